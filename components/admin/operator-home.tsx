// The top of /admin (issue 22, Build 1): what needs the operator now, then the business in figures.
import Link from "next/link";
import { isoMinute } from "@/lib/format/date";
import type { getBusinessFigures } from "@/lib/admin/business-figures";
import { formatMoney } from "@/lib/format/money";
import { tableFrame, td, th } from "@/components/ui/table-styles";

type Figures = Awaited<ReturnType<typeof getBusinessFigures>>;

const percent = (load: number) => (Number.isFinite(load) ? `${Math.round(load * 100)}%` : "over");

export function OperatorHome({ figures }: { figures: Figures }) {
  const { attention, mrr, subscriptionsByStatus, billingStates, nodes, incidents } = figures;
  const items = [
    { n: attention.failedOrders, label: "failed orders", href: "/admin/orders?status=failed" },
    { n: attention.flaggedOrders, label: "flagged payments", href: "/admin/orders" },
    { n: attention.cleanupOverdue, label: "cleanups overdue", href: "/admin/orders?status=failed" },
    { n: attention.failedResizes, label: "failed resizes (paid, waiting for you)", href: "/admin/resizes" },
    { n: attention.resizesInProgress, label: "resizes being applied", href: "/admin/resizes" },
    { n: attention.enforcementFailures, label: "enforcement failures", href: "/admin/billing" },
  ];
  const needing = items.filter((i) => i.n > 0);
  return (
    <>
      <section aria-labelledby="attention-heading" data-testid="attention">
        <h2 id="attention-heading" className="text-lg font-semibold">
          Needs attention
        </h2>
        {needing.length === 0 && incidents.length === 0 ? (
          <p className="mt-2 text-sm text-ink-muted">Nothing needs you right now.</p>
        ) : (
          <ul className="mt-2 space-y-1 text-sm">
            {needing.map((i) => (
              <li key={i.label}>
                <Link href={i.href} className="font-medium text-brand-700 hover:underline">
                  {i.n} {i.label}
                </Link>
              </li>
            ))}
            {incidents.map((incident) => (
              <li key={incident.id} data-testid="incident">
                <Link href={incident.link ?? "/admin"} className="text-brand-700 hover:underline">
                  {incident.title}
                </Link>{" "}
                <span className="text-ink-subtle">
                  first seen <time dateTime={incident.firstSeenAt.toISOString()}>{isoMinute(incident.firstSeenAt)}</time>
                  {incident.occurrences > 1 ? `, ${incident.occurrences} times` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="figures-heading">
        <h2 id="figures-heading" className="text-lg font-semibold">
          The business in figures
        </h2>
        <dl className="mt-3 grid gap-4 sm:grid-cols-3">
          <div className="rounded-card border border-line bg-surface p-4">
            <dt className="text-xs uppercase tracking-wide text-ink-subtle">Monthly recurring revenue</dt>
            <dd className="mt-1 text-2xl font-semibold" data-testid="mrr">
              {mrr.byCurrency.length ? mrr.byCurrency.map((m) => formatMoney(m.minor, m.currency)).join(" + ") : formatMoney(0, "usd")}
            </dd>
            {mrr.unknownItems ? <dd className="text-xs text-ink-subtle">{mrr.unknownItems} item(s) at prices not in the catalogue left out</dd> : null}
          </div>
          <div className="rounded-card border border-line bg-surface p-4">
            <dt className="text-xs uppercase tracking-wide text-ink-subtle">Subscriptions (Stripe status)</dt>
            <dd className="mt-1 text-sm">{subscriptionsByStatus.map((s) => `${s.count} ${s.status}`).join(" · ") || "none"}</dd>
            <dt className="mt-2 text-xs uppercase tracking-wide text-ink-subtle">Billing state</dt>
            <dd className="mt-1 text-sm" data-testid="billing-states">
              {billingStates.map((s) => `${s.count} ${s.state.replaceAll("_", " ")}`).join(" · ") || "none"}
            </dd>
          </div>
          <div className="rounded-card border border-line bg-surface p-4">
            <dt className="text-xs uppercase tracking-wide text-ink-subtle">Node capacity used</dt>
            {nodes.map((n) => (
              <dd key={n.name} className="mt-1 text-sm">
                <span className="font-mono">{n.name}</span> {percent(n.load)} ({n.used.vcpus}/{n.limit.vcpus} vCPU, {n.used.ramGb}/{n.limit.ramGb} GB RAM,{" "}
                {n.used.diskGb}/{n.limit.diskGb} GB disk)
              </dd>
            ))}
          </div>
        </dl>
      </section>
    </>
  );
}

export function CustomerSearchForm({ q = "" }: { q?: string }) {
  return (
    <form action="/admin/customers" method="get" role="search" className="flex gap-2">
      <label htmlFor="customer-search" className="sr-only">
        Find a customer
      </label>
      <input
        id="customer-search"
        name="q"
        defaultValue={q}
        placeholder="Email, name, VM hostname or Stripe id"
        className="w-full max-w-md rounded-md border border-line-strong bg-surface px-3 py-2 text-sm"
      />
      <button type="submit" className="rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white hover:bg-brand-700">
        Find a customer
      </button>
    </form>
  );
}

export { tableFrame, td, th };
