// The operator's home (issue 22, Build 1): what needs attention now, and the business in figures.
// Everything is read from our records (the subscription mirror Stripe keeps converged, the
// enforcement rows, the orders): no Stripe or Proxmox call on the page (I2).
import { db } from "@/lib/db";
import { nodeCapacityUsage } from "@/lib/capacity/find-node-with-room";

/** Subscription statuses that bill: what monthly recurring revenue counts. */
const BILLING_STATUSES = ["active", "past_due", "trialing", "unpaid"];

/**
 * Monthly recurring revenue in minor units: every billing subscription's items at our catalogue's
 * prices (plans monthly or yearly ÷ 12, extra resources monthly). Items whose price we do not know
 * are counted apart, never guessed.
 */
export async function monthlyRecurringRevenue() {
  const [items, plans, resources] = await Promise.all([
    db.subscriptionItem.findMany({ where: { subscription: { status: { in: BILLING_STATUSES } } }, select: { stripePriceId: true, quantity: true } }),
    db.plan.findMany({ select: { stripeMonthlyPriceId: true, stripeYearlyPriceId: true, monthlyPriceMinor: true, yearlyPriceMinor: true, currency: true } }),
    db.resourcePrice.findMany({ select: { stripePriceId: true, unitAmountMinor: true, currency: true } }),
  ]);
  const monthly = new Map<string, { minor: number; currency: string }>();
  for (const p of plans) {
    if (p.stripeMonthlyPriceId) monthly.set(p.stripeMonthlyPriceId, { minor: p.monthlyPriceMinor, currency: p.currency });
    if (p.stripeYearlyPriceId && p.yearlyPriceMinor !== null) monthly.set(p.stripeYearlyPriceId, { minor: p.yearlyPriceMinor / 12, currency: p.currency });
  }
  for (const r of resources) if (r.stripePriceId) monthly.set(r.stripePriceId, { minor: r.unitAmountMinor, currency: r.currency });
  const byCurrency = new Map<string, number>();
  let unknownItems = 0;
  for (const item of items) {
    const price = monthly.get(item.stripePriceId);
    if (!price) {
      unknownItems++;
      continue;
    }
    byCurrency.set(price.currency, (byCurrency.get(price.currency) ?? 0) + price.minor * item.quantity);
  }
  return { byCurrency: [...byCurrency].map(([currency, minor]) => ({ currency, minor: Math.round(minor) })), unknownItems };
}

export async function getBusinessFigures() {
  const [mrr, subscriptionsByStatus, billingStates, failedOrders, flaggedOrders, cleanupOverdue, resizesWaiting, enforcementFailures, nodes, incidents] =
    await Promise.all([
      monthlyRecurringRevenue(),
      db.subscription.groupBy({ by: ["status"], _count: { _all: true } }),
      db.billingEnforcement.groupBy({ by: ["state"], _count: { _all: true } }),
      db.order.count({ where: { status: "failed" } }),
      db.order.count({ where: { flagReason: { not: null }, status: { in: ["awaiting_payment", "paid"] } } }),
      db.order.count({ where: { cleanupStatus: "overdue" } }),
      db.resizeRequest.groupBy({ by: ["status"], where: { status: { in: ["paid", "applying", "failed"] } }, _count: { _all: true } }),
      db.billingEnforcement.count({ where: { lastError: { not: null } } }),
      nodeCapacityUsage(),
      db.operatorIncident.findMany({ where: { resolvedAt: null }, orderBy: { firstSeenAt: "desc" }, take: 20 }),
    ]);
  const resizes = Object.fromEntries(resizesWaiting.map((r) => [r.status, r._count._all])) as Partial<Record<"paid" | "applying" | "failed", number>>;
  return {
    mrr,
    subscriptionsByStatus: subscriptionsByStatus.map((s) => ({ status: s.status, count: s._count._all })).sort((a, b) => b.count - a.count),
    billingStates: billingStates.map((s) => ({ state: s.state, count: s._count._all })).sort((a, b) => b.count - a.count),
    attention: {
      failedOrders,
      flaggedOrders,
      cleanupOverdue,
      failedResizes: resizes.failed ?? 0,
      resizesInProgress: (resizes.paid ?? 0) + (resizes.applying ?? 0),
      enforcementFailures,
    },
    nodes,
    incidents,
  };
}
