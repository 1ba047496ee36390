import type { Metadata } from "next";
import { isoMinute } from "@/lib/format/date";
import Link from "next/link";
import { requireAdmin } from "@/lib/auth/session";
import { canRefundFlaggedOrder, listAdminOrders, ORDER_STATUSES, orderStatusFilterSchema } from "@/lib/admin/list-orders";
import { formatMoney } from "@/lib/format/money";
import { z } from "zod";
import { pageParam, parseSearchParams, searchParam, type RawSearchParams } from "@/lib/http/search-params";
import { Pagination } from "@/components/ui/pagination";
import { RetryProvisioningButton } from "@/components/admin/retry-provisioning-button";
import { tableFrame, td, th } from "@/components/ui/table-styles";
import { RefundOrderButton } from "@/components/admin/refund-order-button";
import { cancelAndRefundAction, refundFailedOrderAction, retryCleanupAction, retryProvisioningAction } from "./actions";

export const metadata: Metadata = { title: "Orders · Admin" };

const searchSchema = z.object({ page: pageParam, status: searchParam(orderStatusFilterSchema) });

export default async function AdminOrdersPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  await requireAdmin("/admin/orders");
  const query = parseSearchParams(searchSchema, await searchParams);
  const { status } = query;
  const orders = await listAdminOrders({ page: query.page, status });
  const filterLink = (s?: string) => (s ? `?status=${s}` : "?");
  return (
    <div className="mx-auto max-w-content space-y-4 px-gutter py-8">
      <h1 className="text-2xl font-bold tracking-tight">
        Orders <span className="text-ink-subtle">({orders.total})</span>
      </h1>
      <nav aria-label="Filter by status" className="flex flex-wrap gap-2 text-sm">
        {[undefined, ...ORDER_STATUSES].map((s) => (
          <Link
            key={s ?? "all"}
            href={filterLink(s)}
            aria-current={s === status ? "page" : undefined}
            className={`rounded-full border px-3 py-1 ${s === status ? "border-brand-600 bg-brand-50 font-semibold" : "border-line hover:bg-surface-sunken"}`}
          >
            {s ? s.replace("_", " ") : "all"}
          </Link>
        ))}
      </nav>
      <div className={tableFrame}>
        <table className="min-w-full divide-y divide-line">
          <thead>
            <tr>
              <th className={th}>Created</th>
              <th className={th}>Customer</th>
              <th className={th}>Plan</th>
              <th className={th}>Amount</th>
              <th className={th}>Status</th>
              <th className={th}>Attempts</th>
              <th className={th}>Flag / failure</th>
              <th className={th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {orders.items.map((o) => (
              <tr key={o.id} data-testid="admin-order" data-order-id={o.id}>
                <td className={td}>
                  <Link href={`/admin/orders/${o.id}`} className="text-brand-700 hover:underline" aria-label={`Timeline of order ${o.id}`}>
                    <time dateTime={o.createdAt.toISOString()}>{isoMinute(o.createdAt)}</time>
                  </Link>
                </td>
                <td className={td}>
                  {o.user.email}
                  <div className="font-mono text-xs text-ink-subtle">{o.hostname}</div>
                </td>
                <td className={td}>{o.plan.name}</td>
                <td className={td}>
                  {formatMoney(o.amountMinor, o.currency)} / {o.interval}
                </td>
                <td className={td}>
                  <span className="font-medium">{o.status}</span>
                  {o.status === "failed" && o.cleanupStatus === "in_progress" ? (
                    <div className="text-xs text-warning-700" data-testid="cleanup-status">
                      cleanup in progress
                    </div>
                  ) : null}
                  {o.status === "failed" && o.cleanupStatus === "overdue" ? (
                    <div className="text-xs font-semibold text-danger-700" data-testid="cleanup-status">
                      cleanup overdue: needs an operator
                      <pre className="whitespace-pre-wrap font-mono font-normal">{o.cleanupRemaining}</pre>
                    </div>
                  ) : null}
                  {o.status === "provisioning" && o.progressStep ? <div className="text-xs text-ink-subtle">{o.progressStep}</div> : null}
                  {o.vm?.vmid ? <div className="font-mono text-xs text-ink-subtle">VMID {o.vm.vmid}</div> : null}
                </td>
                <td className={td}>{o.provisionAttempts}</td>
                <td className={`${td} max-w-md`}>
                  {o.flagReason ? <p className="text-warning-700">Flagged: {o.flagReason}</p> : null}
                  {o.refundedMinor !== null ? <p className="text-xs text-ink-subtle">Refunded {formatMoney(o.refundedMinor, o.currency)}</p> : null}
                  {o.failureReason ? <p className="break-words font-mono text-xs text-danger-700">{o.failureReason}</p> : null}
                </td>
                <td className={td}>
                  {o.status === "failed" && (o.cleanupStatus === null || o.cleanupStatus === "done") ? (
                    <RetryProvisioningButton orderId={o.id} action={retryProvisioningAction} />
                  ) : null}
                  {o.status === "failed" && o.cleanupStatus === "overdue" ? (
                    <RetryProvisioningButton orderId={o.id} action={retryCleanupAction} label="Retry cleanup" />
                  ) : null}
                  {canRefundFlaggedOrder(o) ? <RefundOrderButton orderId={o.id} action={cancelAndRefundAction} /> : null}
                  {o.status === "failed" ? (
                    <RefundOrderButton
                      orderId={o.id}
                      action={refundFailedOrderAction}
                      confirmLabel="Cancel the subscription and refund every payment in full"
                    />
                  ) : null}
                  {o.status === "failed" && o.refundDeadlineAt ? (
                    <p className="text-xs text-ink-subtle">Refunded automatically on {isoMinute(o.refundDeadlineAt)} (customer&apos;s clock)</p>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {orders.items.length === 0 ? <p className="p-card text-center text-sm text-ink-muted">No orders{status ? ` with status ${status}` : ""}.</p> : null}
      </div>
      <Pagination label="Order pages" param="page" page={orders.page} pageCount={orders.pageCount} query={query} />
    </div>
  );
}
