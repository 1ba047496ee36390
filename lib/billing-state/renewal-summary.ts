// "Plan · amount / month · renews on …" for the VM page's billing box. The one place that decides
// where the amount and date come from: today the subscription mirror (Stripe's current period end,
// written from Stripe's own objects) and the price the customer last agreed to (the order, or the
// latest applied resize's new monthly price). Issue 16 moves "renews on … for …" to Stripe's
// upcoming invoice (lib/billing-state/renewal-preview.ts upcomingRenewal): switch it here.
import { db } from "@/lib/db";

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
    select: {
      status: true,
      currentPeriodEnd: true,
      cancelAtPeriodEnd: true,
      order: { select: { amountMinor: true, currency: true, interval: true, plan: { select: { name: true } }, vm: { select: { id: true } } } },
    },
  });
  if (!sub || sub.status === "canceled" || sub.status === "incomplete_expired") return null;
  const resized = sub.order.vm
    ? await db.resizeRequest.findFirst({
        where: { vmId: sub.order.vm.id, status: "applied" },
        orderBy: { createdAt: "desc" },
        select: { newMonthlyMinor: true },
      })
    : null;
  return {
    planName: sub.order.plan.name,
    amountMinor: resized?.newMonthlyMinor ?? sub.order.amountMinor,
    currency: sub.order.currency,
    interval: sub.order.interval,
    renewsAt: sub.cancelAtPeriodEnd ? null : sub.currentPeriodEnd,
    endsAt: sub.cancelAtPeriodEnd ? sub.currentPeriodEnd : null,
  };
}
