import type { Metadata } from "next";
import Link from "next/link";
import { requireAdmin } from "@/lib/auth/session";
import { customerSearchSchema, findCustomers } from "@/lib/admin/find-customers";
import { parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { CustomerSearchForm } from "@/components/admin/operator-home";
import { tableFrame, td, th } from "@/components/ui/table-styles";

export const metadata: Metadata = { title: "Customers · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminCustomersPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  await requireAdmin("/admin/customers");
  const { q } = parseSearchParams(customerSearchSchema, await searchParams);
  const customers = await findCustomers(q);
  return (
    <div className="mx-auto max-w-content space-y-4 px-gutter py-8">
      <h1 className="text-2xl font-bold tracking-tight">Customers</h1>
      <CustomerSearchForm q={q} />
      {q.length < 2 ? (
        <p className="text-sm text-ink-muted">Type at least two characters: part of an email or a name, a VM&apos;s name or hostname, or a Stripe id.</p>
      ) : customers.length === 0 ? (
        <p className="text-sm text-ink-muted">No customer matches “{q}”.</p>
      ) : (
        <div className={tableFrame}>
          <table className="min-w-full divide-y divide-line">
            <thead>
              <tr>
                <th className={th}>Email</th>
                <th className={th}>Name</th>
                <th className={th}>VMs</th>
                <th className={th}>Orders</th>
                <th className={th}>Stripe customer</th>
                <th className={th}>Access</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-line">
              {customers.map((c) => (
                <tr key={c.id} data-testid="customer-result">
                  <td className={td}>
                    <Link href={`/admin/customers/${c.id}`} className="text-brand-700 hover:underline">
                      {c.email}
                    </Link>
                  </td>
                  <td className={td}>{c.name}</td>
                  <td className={td}>{c._count.vms}</td>
                  <td className={td}>{c._count.orders}</td>
                  <td className={`${td} font-mono text-xs`}>{c.stripeCustomerId ?? "—"}</td>
                  <td className={td}>{c.disabledAt ? "disabled" : c.role === "admin" ? "operator" : "active"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
