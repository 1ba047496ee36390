import { formatDay } from "@/lib/format/date";
import { formatMoney } from "@/lib/format/money";
import { loadRenewalSummary } from "@/lib/billing-state/renewal-summary";

/** The billing box's facts: plan, price and the renewal (or end) date. */
export async function VmRenewal({ subscriptionId }: { subscriptionId: string }) {
  const renewal = await loadRenewalSummary(subscriptionId);
  if (!renewal) return null;
  return (
    <p className="mt-1 text-ink-muted" data-testid="vm-renewal">
      {renewal.planName} · {formatMoney(renewal.amountMinor, renewal.currency)} / {renewal.interval}
      {renewal.renewsAt ? ` · renews on ${formatDay(renewal.renewsAt)}` : renewal.endsAt ? ` · ends on ${formatDay(renewal.endsAt)}` : ""}
    </p>
  );
}
