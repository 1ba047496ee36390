import type { Metadata } from "next";
import { isoDay } from "@/lib/format/date";
import { requireAdmin } from "@/lib/auth/session";
import { DisableUserButton } from "@/components/admin/disable-user-button";
import { disableUserAction, enableUserAction } from "./actions";
import { listPlans, listUsers } from "@/lib/admin/list-users";
import { z } from "zod";
import { pageParam, parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { formatMoney } from "@/lib/format/money";
import { labTypeLabel } from "@/lib/catalog/list-plans";
import { Pagination } from "@/components/ui/pagination";
import { getSweeperActivity } from "@/lib/admin/sweeper-activity";
import { SweeperPanel } from "@/components/admin/sweeper-panel";
import { CustomerSearchForm, OperatorHome } from "@/components/admin/operator-home";
import { ConfirmActionButton } from "@/components/admin/confirm-action-button";
import { getBusinessFigures } from "@/lib/admin/business-figures";
import Link from "next/link";
import { tableFrame, td, th } from "@/components/ui/table-styles";

export const metadata: Metadata = { title: "Admin" };

const searchSchema = z.object({ users: pageParam, plans: pageParam });

export default async function AdminPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const admin = await requireAdmin();
  const query = parseSearchParams(searchSchema, await searchParams);
  const [users, plans, sweeper, figures] = await Promise.all([listUsers(query.users), listPlans(query.plans), getSweeperActivity(), getBusinessFigures()]);
  return (
    <div className="mx-auto max-w-content space-y-10 px-gutter py-10">
      <h1 className="text-2xl font-bold tracking-tight">Operator</h1>
      <CustomerSearchForm />
      <OperatorHome figures={figures} />
      <section aria-labelledby="users-heading">
        <h2 id="users-heading" className="text-lg font-semibold">
          Users <span className="text-ink-subtle">({users.total})</span>
        </h2>
        <div className={tableFrame}>
          <table className="min-w-full divide-y divide-line">
            <thead>
              <tr>
                <th className={th}>Email</th>
                <th className={th}>Name</th>
                <th className={th}>Role</th>
                <th className={th}>Joined</th>
                <th className={th}>Access</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-line">
              {users.items.map((u) => (
                <tr key={u.id} data-testid="admin-user">
                  <td className={td}>
                    <Link href={`/admin/customers/${u.id}`} className="text-brand-700 hover:underline">
                      {u.email}
                    </Link>
                  </td>
                  <td className={td}>{u.name}</td>
                  <td className={td}>{u.role}</td>
                  <td className={td}>
                    <time dateTime={u.createdAt.toISOString()}>{isoDay(u.createdAt)}</time>
                  </td>
                  <td className={td}>
                    {u.disabledAt ? (
                      <div className="space-y-1">
                        <span className="text-danger-700">disabled {isoDay(u.disabledAt)}</span>
                        <ConfirmActionButton
                          label="Enable"
                          pendingLabel="Enabling…"
                          confirmText={`Enable ${u.email}? They can sign in again (their earlier sessions stay ended).`}
                          fields={{ userId: u.id }}
                          action={enableUserAction}
                        />
                      </div>
                    ) : u.id === admin.id ? (
                      "you"
                    ) : (
                      <DisableUserButton userId={u.id} email={u.email} action={disableUserAction} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pagination label="Users pages" param="users" page={users.page} pageCount={users.pageCount} query={query} />
      </section>
      <section aria-labelledby="plans-heading">
        <h2 id="plans-heading" className="text-lg font-semibold">
          Plans <span className="text-ink-subtle">({plans.total})</span>
        </h2>
        <div className={tableFrame}>
          <table className="min-w-full divide-y divide-line">
            <thead>
              <tr>
                <th className={th}>Plan</th>
                <th className={th}>Lab</th>
                <th className={th}>vCPU / RAM / Disk</th>
                <th className={th}>Monthly</th>
                <th className={th}>Stripe price</th>
                <th className={th}>Status</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-line">
              {plans.items.map((p) => (
                <tr key={p.id}>
                  <td className={td}>
                    <span className="font-medium">{p.name}</span> <span className="font-mono text-xs text-ink-subtle">{p.slug}</span>
                  </td>
                  <td className={td}>{labTypeLabel[p.labType]}</td>
                  <td className={td}>
                    {p.vcpus} / {p.ramGb} GB / {p.diskGb} GB
                  </td>
                  <td className={td}>{formatMoney(p.monthlyPriceMinor, p.currency)}</td>
                  <td className={`${td} font-mono text-xs`}>{p.stripeMonthlyPriceId ?? "not synced"}</td>
                  <td className={td}>{p.active ? "on sale" : "hidden"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pagination label="Plans pages" param="plans" page={plans.page} pageCount={plans.pageCount} query={query} />
      </section>
      <SweeperPanel {...sweeper} />
    </div>
  );
}
