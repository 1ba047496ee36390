import type { Metadata } from "next";
import { formatDay } from "@/lib/format/date";
import Link from "next/link";
import { cache } from "react";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { loadVmPage } from "@/lib/vms/vm-view";
import { accessSignIn, connectionWords } from "@/lib/vms/ssh-access";
import { loadVmBilling } from "@/lib/billing-state/customer-billing";
import { loadScheduledResize } from "@/lib/resize/resize-view";
import { VmBillingPanel } from "@/components/billing/vm-billing-panel";
import { cancelAtPeriodEndAction } from "@/app/(dashboard)/billing/actions";
import { buttonStyles } from "@/components/ui/button-styles";
import { PowerPanel } from "@/components/vms/power-panel";
import { RevealPassword } from "@/components/vms/reveal-password";
import { SshAccess } from "@/components/vms/ssh-access";
import { VmStatusBadge } from "@/components/vms/vm-status-badge";
import { MoneyOwedBanner } from "@/components/billing/money-owed-banner";
import { VmGraphs } from "@/components/vms/vm-graphs";
import { RecentVmHistory } from "@/components/vms/vm-history";
import { FirewallPanel } from "@/components/vms/firewall-panel";
import { loadFirewallPanel } from "@/lib/network/customer-rules";
import {
  addFirewallRuleAction,
  removeFirewallRuleAction,
  requestPowerFormAction,
  restoreVmFormAction,
  revealPasswordFormAction,
  setFirewallModeAction,
} from "./actions";
import { vmHoldMessage } from "@/lib/vm-holds/hold-gate";
import { isRouteId } from "@/lib/http/route-id";

// The tab says which VM it is; the page and its metadata share one read per request.
const loadVmPageOnce = cache(loadVmPage);

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}`);
  const data = isRouteId(id) ? await loadVmPageOnce(user.id, id) : null;
  return { title: data?.vm.name ?? "VM" };
}

export default async function VmPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}`);
  // Unknown id and someone else's VM look the same: 404 (I5). Nothing here calls Proxmox (I2).
  const data = isRouteId(id) ? await loadVmPageOnce(user.id, id) : null;
  if (!data) notFound();
  const { vm, state } = data;
  const [billing, scheduled, firewall, held] = await Promise.all([
    loadVmBilling(user.id, vm.id),
    loadScheduledResize(user.id, vm.id),
    loadFirewallPanel(user.id, vm.id),
    vmHoldMessage(vm.id, user.id),
  ]);
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-10">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/dashboard" className="text-brand-700 hover:underline">
          Dashboard
        </Link>{" "}
        <span aria-hidden>/</span> {vm.name}
      </nav>
      <MoneyOwedBanner userId={user.id} vmId={vm.id} />
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold tracking-tight">{vm.name}</h1>
        <VmStatusBadge status={vm.status} label={vm.statusLabel} />
        {vm.status === "running" || vm.status === "stopped" ? (
          <>
            <Link href={`/vms/${vm.id}/resize`} className={`${buttonStyles.secondary} ml-auto`} data-testid="open-resize">
              Resize
            </Link>
            <Link href={`/vms/${vm.id}/console`} className={buttonStyles.secondary} data-testid="open-console">
              Console
            </Link>
          </>
        ) : null}
        {vm.status === "running" || vm.status === "stopped" || vm.status === "failed" ? (
          <nav aria-label="Lab" className="flex w-full gap-4 text-sm">
            <Link href={`/vms/${vm.id}/snapshots`} className="text-brand-700 hover:underline">
              Snapshots
            </Link>
            <Link href={`/vms/${vm.id}/backups`} className="text-brand-700 hover:underline">
              Backups
            </Link>
            <Link href={`/vms/${vm.id}/rebuild`} className="text-brand-700 hover:underline">
              Rebuild
            </Link>
          </nav>
        ) : null}
      </header>
      {held ? (
        <p role="status" data-testid="vm-hold-message" className="rounded-card border border-danger-600/30 bg-danger-50 p-card text-sm text-danger-700">
          {held}
        </p>
      ) : null}
      {billing ? <VmBillingPanel billing={billing} vmId={vm.id} cancelAction={cancelAtPeriodEndAction} restoreAction={restoreVmFormAction} /> : null}
      <dl className="grid gap-x-6 gap-y-2 rounded-card border border-line bg-surface p-card text-sm sm:grid-cols-[10rem_1fr]">
        <dt className="text-ink-subtle">VMID</dt>
        <dd className="font-mono" data-testid="vmid">
          {vm.vmid ?? "assigned during setup"}
        </dd>
        <dt className="text-ink-subtle">Plan</dt>
        <dd>
          {vm.planName} · {vm.labType}
        </dd>
        <dt className="text-ink-subtle">Resources</dt>
        <dd>
          {vm.vcpus} vCPU · {vm.ramGb} GB RAM · {vm.diskGb} GB disk
          {scheduled ? (
            <Link href={`/vms/${vm.id}/resize`} className="ml-2 text-brand-700 hover:underline" data-testid="scheduled-resize">
              {scheduled.to.vcpus} vCPU · {scheduled.to.ramGb} GB RAM from your renewal on {formatDay(scheduled.effectiveAt)}
            </Link>
          ) : null}
        </dd>
        <dt className="text-ink-subtle">Virtualization</dt>
        <dd data-testid="nested-virt">
          {vm.nestedVirt === true ? "nested virtualization: on" : vm.nestedVirt === false ? "not available" : "checked when it is ready"}
        </dd>
        <dt className="text-ink-subtle">Created</dt>
        <dd>
          <time dateTime={vm.createdAt}>{vm.createdAt.slice(0, 10)}</time>
        </dd>
      </dl>
      {vm.status === "provisioning" ? (
        <p className="rounded-card border border-warning-600/30 bg-warning-50 p-card text-sm text-warning-700">
          Your VM is being set up. Connection details and power controls appear here once it is ready.
        </p>
      ) : null}
      {vm.access ? (
        <SshAccess
          access={vm.access}
          words={connectionWords({
            alias: vm.access.alias,
            protectedByAccess: vm.access.protectedByAccess,
            signIn: accessSignIn(),
            ownerEmail: user.email,
            eve: vm.access.eveUrl !== null,
          })}
        />
      ) : null}
      {vm.access ? (
        <section aria-labelledby="password-heading" className="rounded-card border border-line bg-surface p-card">
          <h2 id="password-heading" className="text-lg font-semibold">
            Password
          </h2>
          <div className="mt-2 space-y-4">
            <RevealPassword vmId={vm.id} user={env().VM_DEFAULT_USER} action={revealPasswordFormAction} />
            {vm.access.eveUrl ? <RevealPassword vmId={vm.id} user="admin" kind="eve-web" action={revealPasswordFormAction} /> : null}
          </div>
        </section>
      ) : null}
      {vm.status === "running" || vm.status === "stopped" ? (
        <PowerPanel key={state.power?.id ?? "none"} vmId={vm.id} initial={state} action={requestPowerFormAction} />
      ) : null}
      {firewall?.editable ? (
        <FirewallPanel panel={firewall} add={addFirewallRuleAction} remove={removeFirewallRuleAction} mode={setFirewallModeAction} />
      ) : null}
      {vm.status === "running" || vm.status === "stopped" ? <VmGraphs vmId={vm.id} /> : null}
      <RecentVmHistory userId={user.id} vmId={vm.id} />
    </div>
  );
}
