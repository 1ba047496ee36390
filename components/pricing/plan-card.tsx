import Link from "next/link";
import { buttonStyles } from "@/components/ui/button-styles";
import { formatMoney } from "@/lib/format/money";
import { labTypeLabel, type PlanSummary } from "@/lib/catalog/list-plans";

/** `chooseHref` null = sold out: no node can hold another VM of this plan, so nothing to choose. */
export function PlanCard({ plan, chooseHref }: { plan: PlanSummary; chooseHref: string | null }) {
  const headingId = `plan-${plan.slug}`;
  return (
    <article aria-labelledby={headingId} className="flex flex-col rounded-card border border-line bg-surface p-card shadow-card" data-testid="plan-card">
      <p className="text-xs font-semibold uppercase tracking-wide text-brand-700">{labTypeLabel[plan.labType]}</p>
      <h3 id={headingId} className="mt-1 text-lg font-bold">
        {plan.name}
      </h3>
      {/* The description takes the slack: prices, specs and buttons line up across cards. */}
      <p className="mt-2 flex-1 text-sm text-ink-muted">{plan.description}</p>
      <p className="mt-5">
        <span className="text-3xl font-bold">{formatMoney(plan.monthlyPriceMinor, plan.currency)}</span>
        <span className="text-sm text-ink-muted"> / month</span>
      </p>
      <p className="min-h-4 text-xs text-ink-subtle">{plan.yearlyPriceMinor ? `or ${formatMoney(plan.yearlyPriceMinor, plan.currency)} / year` : ""}</p>
      <dl className="mt-5 grid grid-cols-3 gap-2 border-t border-line pt-4 text-center text-sm">
        <div>
          <dt className="text-xs text-ink-subtle">vCPU</dt>
          <dd className="font-semibold">{plan.vcpus}</dd>
        </div>
        <div>
          <dt className="text-xs text-ink-subtle">RAM</dt>
          <dd className="font-semibold">{plan.ramGb} GB</dd>
        </div>
        <div>
          <dt className="text-xs text-ink-subtle">Disk</dt>
          <dd className="font-semibold">{plan.diskGb} GB</dd>
        </div>
      </dl>
      {chooseHref ? (
        <Link href={chooseHref} className={`${buttonStyles.primary} mt-6`} aria-label={`Choose ${plan.name}`}>
          Choose
        </Link>
      ) : (
        <p
          className="mt-6 rounded-lg border border-line-strong bg-surface-sunken px-4 py-2.5 text-center text-sm font-semibold text-ink-muted"
          data-testid="sold-out"
        >
          Sold out
        </p>
      )}
    </article>
  );
}
