import type { Metadata } from "next";
import { isoDay } from "@/lib/format/date";
import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { formatMoney } from "@/lib/format/money";
import { z } from "zod";
import { pageParam, parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { listCustomerOrders, listCustomerVms } from "@/lib/vms/list-customer-items";
import { buttonStyles } from "@/components/ui/button-styles";
import { Pagination } from "@/components/ui/pagination";
import { VmStatusBadge } from "@/components/vms/vm-status-badge";
import { VerifyEmailNotice } from "@/components/account/verify-email-notice";
import { MoneyOwedBanner } from "@/components/billing/money-owed-banner";
import { resendVerificationAction } from "../account/actions";
import { tableFrame, td, th } from "@/components/ui/table-styles";

export const metadata: Metadata = { title: "Dashboard" };

const searchSchema = z.object({ vms: pageParam, orders: pageParam });

export default async function DashboardPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const user = await requireUser("/dashboard");
  const query = parseSearchParams(searchSchema, await searchParams);
  const [vms, orders] = await Promise.all([listCustomerVms(user.id, query.vms), listCustomerOrders(user.id, query.orders)]);
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <h1 className="text-2xl font-bold tracking-tight">Hello, {user.name}</h1>
      <p className="mt-1 text-sm text-ink-muted wrap-anywhere">Signed in as {user.email}</p>
      {user.emailVerified ? null : <VerifyEmailNotice email={user.email} resend={resendVerificationAction} />}
      <MoneyOwedBanner userId={user.id} className="mt-6" />
      <section aria-labelledby="vms" className="mt-8">
        <h2 id="vms" className="text-lg font-semibold">
          Your VMs
        </h2>
        {vms.total === 0 ? (
          <div className="mt-3 rounded-card border border-dashed border-line-strong bg-surface p-card text-center">
            <p className="font-medium">You have no lab VMs yet.</p>
            <p className="mt-1 text-sm text-ink-muted">Pick a plan; your machine is built as soon as the payment clears.</p>
            <Link href="/pricing" className={`${buttonStyles.primary} mt-4`}>
              Browse plans
            </Link>
          </div>
        ) : (
          <>
            <div className={tableFrame}>
              <table className="min-w-full divide-y divide-line">
                <thead>
                  <tr>
                    <th className={th}>Name</th>
                    <th className={th}>Status</th>
                    <th className={th}>Lab</th>
                    <th className={th}>vCPU / RAM / Disk</th>
                    <th className={th}>VMID</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-line">
                  {vms.items.map((vm) => (
                    <tr key={vm.id}>
                      <td className={td}>
                        <Link href={`/vms/${vm.id}`} className="font-medium text-brand-700 hover:underline">
                          {vm.name}
                        </Link>
                      </td>
                      <td className={td}>
                        <VmStatusBadge status={vm.status} label={vm.statusLabel} />
                      </td>
                      <td className={td}>{vm.labType}</td>
                      <td className={td}>
                        {vm.vcpus} / {vm.ramGb} GB / {vm.diskGb} GB
                      </td>
                      <td className={`${td} font-mono`}>{vm.vmid ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination label="VM pages" param="vms" page={vms.page} pageCount={vms.pageCount} query={query} />
          </>
        )}
      </section>
      {orders.total > 0 ? (
        <section aria-labelledby="orders" className="mt-10">
          <h2 id="orders" className="text-lg font-semibold">
            Your orders
          </h2>
          <div className={tableFrame}>
            <table className="min-w-full divide-y divide-line">
              <thead>
                <tr>
                  <th className={th}>Plan</th>
                  <th className={th}>Status</th>
                  <th className={th}>Price</th>
                  <th className={th}>Ordered</th>
                  <th className={th}>
                    <span className="sr-only">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-line">
                {orders.items.map((order) => (
                  <tr key={order.id}>
                    <td className={td}>{order.planName}</td>
                    <td className={td} data-testid="order-status">
                      {order.statusLabel}
                    </td>
                    <td className={td}>
                      {formatMoney(order.amountMinor, order.currency)} / {order.interval}
                    </td>
                    <td className={td}>
                      <time dateTime={order.createdAt.toISOString()}>{isoDay(order.createdAt)}</time>
                    </td>
                    <td className={td}>
                      <Link href={`/orders/${order.id}`} className="text-brand-700 hover:underline">
                        View order
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination label="Order pages" param="orders" page={orders.page} pageCount={orders.pageCount} query={query} />
        </section>
      ) : null}
    </div>
  );
}
