import type { Metadata } from "next";
import { isoMinute } from "@/lib/format/date";
import { requireAdmin } from "@/lib/auth/session";
import { formatMoney } from "@/lib/format/money";
import { listAdminResizes } from "@/lib/resize/retry-resize";
import { listResizeHistory } from "@/lib/admin/resize-history";
import Link from "next/link";
import { tableFrame, td, th } from "@/components/ui/table-styles";
import { RetryProvisioningButton } from "@/components/admin/retry-provisioning-button";
import { RefundOrderButton } from "@/components/admin/refund-order-button";
import { refundResizeAction, retryResizeAction } from "./actions";

export const metadata: Metadata = { title: "Resizes · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminResizesPage() {
  await requireAdmin("/admin/resizes");
  const [resizes, history] = await Promise.all([listAdminResizes(), listResizeHistory()]);
  return (
    <div className="mx-auto max-w-content space-y-4 px-gutter py-8">
      <h1 className="text-2xl font-bold tracking-tight">Open resizes</h1>
      <p className="text-sm text-ink-muted">
        A failed resize was paid: retry the apply, or refund it (the subscription goes back to the VM&apos;s current size and the upgrade invoice is refunded).
        Scheduled downgrades wait for the renewal.
      </p>
      <div className={tableFrame}>
        <table className="min-w-full divide-y divide-line">
          <thead>
            <tr>
              <th className={th}>VM</th>
              <th className={th}>Owner</th>
              <th className={th}>Change</th>
              <th className={th}>Paid</th>
              <th className={th}>Status</th>
              <th className={th}>Reason</th>
              <th className={th}></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {resizes.map((r) => (
              <tr key={r.id} data-testid="admin-resize">
                <td className={td}>
                  {r.vm.name}{" "}
                  <span className="font-mono text-ink-subtle">
                    ({r.vm.nodeName ?? "—"}/{r.vm.vmid ?? "—"})
                  </span>
                </td>
                <td className={td}>{r.vm.user.email}</td>
                <td className={td}>
                  {r.fromVcpus}/{r.fromRamGb}/{r.fromDiskGb} → {r.vcpus}/{r.ramGb}/{r.diskGb}
                </td>
                <td className={td}>
                  {formatMoney(r.amountDueMinor, r.currency)} <span className="font-mono text-ink-subtle">{r.stripeInvoiceId}</span>
                </td>
                <td className={td}>
                  {r.status}
                  {r.progressStep ? ` (${r.progressStep})` : ""} · attempt {r.applyAttempt}
                </td>
                <td className={`${td} max-w-xs break-words`}>{r.failureReason ?? "—"}</td>
                <td className={td}>
                  {r.status === "failed" ? (
                    <div className="space-y-2">
                      <RetryProvisioningButton orderId={r.id} action={retryResizeAction} label="Retry resize" />
                      {r.kind === "upgrade" ? (
                        <RefundOrderButton
                          orderId={r.id}
                          action={refundResizeAction}
                          confirmLabel="Refund the upgrade and bill the current size"
                          label="Refund resize"
                        />
                      ) : null}
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {resizes.length === 0 ? <p className="p-card text-center text-sm text-ink-muted">No open resizes.</p> : null}
      </div>
      <h2 className="pt-4 text-lg font-semibold">History</h2>
      <div className={tableFrame}>
        <table className="min-w-full divide-y divide-line">
          <thead>
            <tr>
              <th className={th}>VM</th>
              <th className={th}>Owner</th>
              <th className={th}>Change</th>
              <th className={th}>Outcome</th>
              <th className={th}>When</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {history.map((r) => (
              <tr key={r.id} data-testid="resize-history">
                <td className={td}>
                  <Link href={`/admin/orders/${r.vm.orderId}`} className="text-brand-700 hover:underline">
                    {r.vm.name}
                  </Link>
                </td>
                <td className={td}>
                  <Link href={`/admin/customers/${r.vm.user.id}`} className="text-brand-700 hover:underline">
                    {r.vm.user.email}
                  </Link>
                </td>
                <td className={td}>
                  {r.kind}: {r.fromVcpus}→{r.vcpus} vCPU, {r.fromRamGb}→{r.ramGb} GB RAM, {r.fromDiskGb}→{r.diskGb} GB disk
                </td>
                <td className={td}>
                  {r.status}
                  {r.status === "refunded" || r.status === "applied" ? ` (${formatMoney(r.amountDueMinor, r.currency)})` : ""}
                </td>
                <td className={td}>{isoMinute(r.appliedAt ?? r.finishedAt ?? r.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {history.length === 0 ? <p className="p-card text-center text-sm text-ink-muted">No resize has ended yet.</p> : null}
      </div>
    </div>
  );
}
