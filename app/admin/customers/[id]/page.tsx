import type { Metadata } from "next";
import { isoMinute } from "@/lib/format/date";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireAdmin } from "@/lib/auth/session";
import { getCustomer, listCustomerInvoices } from "@/lib/admin/customer-view";
import { formatMoney } from "@/lib/format/money";
import { td } from "@/components/ui/table-styles";
import { DataTable, DetailSection, EventList } from "@/components/admin/detail-parts";
import { ConfirmActionButton } from "@/components/admin/confirm-action-button";
import { DisableUserButton } from "@/components/admin/disable-user-button";
import { disableUserAction, enableUserAction } from "../../actions";
import { adminPowerAction } from "./actions";

export const metadata: Metadata = { title: "Customer · Admin" };
export const dynamic = "force-dynamic";

const POWER = [
  { action: "start", label: "Start", confirm: "Start this VM? It is queued like the customer's own button, and audited as yours." },
  { action: "shutdown", label: "Shut down", confirm: "Shut this VM down (ACPI)? The customer's work inside it should be saved first. Audited as yours." },
  { action: "stop", label: "Hard stop", confirm: "Hard stop cuts the VM's power: unsaved work inside it is lost. Audited as yours. Continue?" },
  { action: "reboot", label: "Reboot", confirm: "Reboot this VM? Audited as yours." },
] as const;

export default async function AdminCustomerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const admin = await requireAdmin(`/admin/customers/${id}`);
  const customer = await getCustomer(id);
  if (!customer) notFound();
  const { user, vms, orders, subscriptions, audit, customerUrl } = customer;
  const invoices = await listCustomerInvoices(user.stripeCustomerId);
  return (
    <div className="mx-auto max-w-content space-y-8 px-gutter py-8">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold tracking-tight">{user.name}</h1>
        <p className="text-sm text-ink-muted">
          {user.email} · joined {isoMinute(user.createdAt)} · {user.role === "admin" ? "operator" : "customer"}
          {customerUrl ? (
            <>
              {" "}
              ·{" "}
              <a href={customerUrl} className="text-brand-700 hover:underline" target="_blank" rel="noreferrer">
                Stripe customer {user.stripeCustomerId}
              </a>
            </>
          ) : null}
        </p>
        <div data-testid="account-access" className="text-sm">
          {user.disabledAt ? (
            <div className="space-y-1">
              <p className="text-danger-700">Disabled {isoMinute(user.disabledAt)}: sign-in is refused.</p>
              <ConfirmActionButton
                label="Enable account"
                pendingLabel="Enabling…"
                confirmText={`Enable ${user.email}? They can sign in again (their earlier sessions stay ended).`}
                fields={{ userId: user.id }}
                action={enableUserAction}
              />
            </div>
          ) : user.id === admin.id ? (
            <p>This is your account.</p>
          ) : (
            <DisableUserButton userId={user.id} email={user.email} action={disableUserAction} />
          )}
        </div>
      </header>

      <DetailSection id="vms-heading" title={<>VMs ({vms.length})</>}>
        <DataTable columns={["VM", "Where", "Size", "Status", "Power (as you)"]}>
          {vms.map((vm) => (
            <tr key={vm.id} data-testid="customer-vm">
              <td className={td}>
                <span className="font-medium">{vm.name}</span>
                <div className="font-mono text-xs text-ink-subtle">{vm.sshHostname ?? vm.id}</div>
                <Link href={`/admin/orders/${vm.orderId}`} className="text-xs text-brand-700 hover:underline">
                  order timeline
                </Link>
              </td>
              <td className={`${td} font-mono text-xs`}>
                {vm.nodeName ?? "—"} / {vm.vmid ?? "—"}
              </td>
              <td className={td}>
                {vm.plan.name}: {vm.vcpus} vCPU · {vm.ramGb} GB · {vm.diskGb} GB
              </td>
              <td className={td}>{vm.status}</td>
              <td className={`${td} flex flex-wrap gap-1`}>
                {vm.status === "running" || vm.status === "stopped"
                  ? POWER.filter((p) => (vm.status === "running" ? p.action !== "start" : p.action === "start")).map((p) => (
                      <ConfirmActionButton
                        key={p.action}
                        label={p.label}
                        pendingLabel="Queuing…"
                        confirmText={p.confirm}
                        fields={{ vmId: vm.id, action: p.action }}
                        action={adminPowerAction}
                        danger={p.action === "stop"}
                      />
                    ))
                  : "—"}
              </td>
            </tr>
          ))}
        </DataTable>
      </DetailSection>

      <DetailSection id="subs-heading" title="Subscriptions">
        <EventList empty={subscriptions.length === 0}>
          {subscriptions.map((s) => (
            <li key={s.id}>
              <a href={s.url} target="_blank" rel="noreferrer" className="font-mono text-brand-700 hover:underline">
                {s.stripeSubscriptionId}
              </a>{" "}
              {s.status}
              {s.cancelAtPeriodEnd ? ", cancels at period end" : ""} · billing state {s.enforcement?.state.replaceAll("_", " ") ?? "—"}
              {s.enforcement?.lastError ? <span className="text-danger-700"> · last enforcement failure: {s.enforcement.lastError}</span> : null}
            </li>
          ))}
        </EventList>
      </DetailSection>

      <DetailSection id="invoices-heading" title="Invoices">
        {invoices === null ? (
          <p className="text-sm text-ink-muted">Stripe could not be asked just now.</p>
        ) : (
          <EventList empty={invoices.length === 0}>
            {invoices.map((i) => (
              <li key={i.id}>
                <a href={i.url} target="_blank" rel="noreferrer" className="font-mono text-brand-700 hover:underline">
                  {i.number ?? i.id}
                </a>{" "}
                {i.status} · {formatMoney(i.amountDueMinor, i.currency)} · {isoMinute(i.created)}
              </li>
            ))}
          </EventList>
        )}
      </DetailSection>

      <DetailSection id="orders-heading" title={<>Orders ({orders.length})</>}>
        <EventList>
          {orders.map((o) => (
            <li key={o.id}>
              <Link href={`/admin/orders/${o.id}`} className="font-mono text-brand-700 hover:underline">
                {o.id}
              </Link>{" "}
              {o.plan.name} · {o.status} · {formatMoney(o.amountMinor, o.currency)} · {isoMinute(o.createdAt)}
            </li>
          ))}
        </EventList>
      </DetailSection>

      <DetailSection id="audit-heading" title="Audit trail">
        <DataTable columns={["When", "Who", "What", "On"]}>
          {audit.map((a) => (
            <tr key={a.id} data-testid="audit-event">
              <td className={`${td} whitespace-nowrap`}>{isoMinute(a.createdAt)}</td>
              <td className={td}>
                {a.actorType}
                {a.actorId && a.actorId !== user.id ? <span className="font-mono text-xs text-ink-subtle"> {a.actorId}</span> : null}
              </td>
              <td className={td}>{a.action}</td>
              <td className={`${td} font-mono text-xs`}>
                {a.subjectType} {a.subjectId}
              </td>
            </tr>
          ))}
        </DataTable>
      </DetailSection>
    </div>
  );
}
