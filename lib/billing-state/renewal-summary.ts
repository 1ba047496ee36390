// "Plan · amount / month · renews on …" for the VM page's billing box. The one place that decides
// where the amount and date come from: what Stripe will charge at the next renewal (its upcoming
// invoice, lib/billing-state/renewal-preview.ts, I11), and when the subscription ends instead, the
// mirror's period end. Before Stripe can be read (an outage), the price the customer last agreed
// to (the order, or the latest applied resize's new monthly price) stands in.
import { db } from "@/lib/db";
import { upcomingRenewal } from "@/lib/billing-state/renewal-preview";

export type RenewalSummary = {
  planName: string;
  amountMinor: number;
  currency: string;
  interval: "month" | "year";
  /** The next renewal, or null when the subscription ends instead. */
  renewsAt: Date | null;
  endsAt: Date | null;
};

export async function loadRenewalSummary(subscriptionId: string): Promise<RenewalSummary | null> {
  const sub = await db.subscription.findUnique({
    where: { id: subscriptionId },
    include: {
      items: { select: { stripePriceId: true, quantity: true } },
      order: { select: { amountMinor: true, currency: true, interval: true, plan: { select: { name: true } }, vm: { select: { id: true } } } },
    },
  });
  if (!sub || sub.status === "canceled" || sub.status === "incomplete_expired") return null;
  const fromStripe = sub.cancelAtPeriodEnd ? null : await upcomingRenewal(sub).catch(() => null);
  const resized =
    fromStripe || !sub.order.vm
      ? null
      : await db.resizeRequest.findFirst({
          where: { vmId: sub.order.vm.id, status: "applied" },
          orderBy: { createdAt: "desc" },
          select: { newMonthlyMinor: true },
        });
  return {
    planName: sub.order.plan.name,
    amountMinor: fromStripe?.amountMinor ?? resized?.newMonthlyMinor ?? sub.order.amountMinor,
    currency: fromStripe?.currency ?? sub.order.currency,
    interval: sub.order.interval,
    renewsAt: sub.cancelAtPeriodEnd ? null : (fromStripe?.at ?? sub.currentPeriodEnd),
    endsAt: sub.cancelAtPeriodEnd ? sub.currentPeriodEnd : null,
  };
}
