// The sweeper's domain work (issue 8.10, DESIGN §3): find what Stripe accepted but nothing carried
// out, re-read the truth from Stripe, and converge it through the same functions the webhook's
// handlers use (confirmCheckout, expireCheckout, flagOrder, syncSubscription). It never re-sends
// an event id Inngest may have seen: an `order/paid` is asked for only when THIS call moved the
// order to paid (so nobody emitted one before), and stalled provisioning is flagged for the
// operator instead of being re-triggered. Every change is audited with the sweeper as the actor.
import { db } from "@/lib/db";
import type { AuditActor } from "@/lib/audit/record-audit";
import { recordAudit } from "@/lib/audit/record-audit";
import { confirmCheckout, flagOrder, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { expireCheckout } from "@/lib/billing/expire-checkout";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { checkoutEventTypes, isCardEventType, isInvoiceEventType } from "@/lib/billing/stripe-event-types";
import { applyCardUpdate, customerOfCardSignal } from "@/lib/billing/apply-card-update";
import { findInvoiceSubscriptionId, syncSubscription } from "@/lib/billing/sync-subscription";

export const SWEEPER: AuditActor = { type: "system", id: "sweeper" };
/** Per category and sweep: a backlog is worked off over several sweeps instead of one long run. */
const SWEEP_LIMIT = 50;

export type SweepLimits = { awaitingPaymentMinutes: number; provisioningMinutes: number; unprocessedEventMinutes: number };

export type CheckoutConvergence =
  | { outcome: "paid"; orderId: string; emitOrderPaid: boolean }
  | { outcome: "expired"; orderId: string }
  | { outcome: "flagged"; orderId: string; reason: string }
  | { outcome: "unchanged"; orderId: string | null; reason: string };

/** One Checkout Session, re-read from Stripe and converged: paid, expired, flagged, or left as it is. */
export async function convergeCheckoutSession(sessionId: string): Promise<CheckoutConvergence> {
  const session = await readCheckoutSession(sessionId);
  if (session.status === "expired") {
    const result = await expireCheckout(session, SWEEPER);
    return result.action === "expired"
      ? { outcome: "expired", orderId: result.orderId }
      : { outcome: "unchanged", orderId: result.orderId, reason: result.reason };
  }
  const result = await confirmCheckout(session, SWEEPER);
  switch (result.action) {
    case "confirmed":
      // `moved`: this call made the transition, so no `order/paid` was ever sent for the order.
      return result.moved
        ? { outcome: "paid", orderId: result.orderId, emitOrderPaid: result.emitOrderPaid }
        : { outcome: "unchanged", orderId: result.orderId, reason: "already paid" };
    case "flagged":
      return { outcome: "flagged", orderId: result.orderId, reason: result.reason };
    case "not-paid":
      return { outcome: "unchanged", orderId: result.orderId, reason: `session ${result.sessionStatus ?? "unknown"}, payment ${result.paymentStatus}` };
    case "unknown-order":
      return { outcome: "unchanged", orderId: null, reason: "no order for this session" };
  }
}

export type SweepItem = { subject: string; outcome: string; detail?: string };
export type SweepSection = { found: number; items: SweepItem[]; orderPaid: string[] };

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/** Orders still awaiting payment after the limit, not flagged: Stripe says paid, expired, or still open. */
export async function convergeAwaitingPayment(limits: SweepLimits): Promise<SweepSection> {
  const orders = await db.order.findMany({
    where: {
      status: "awaiting_payment",
      flagReason: null,
      stripeCheckoutSessionId: { not: null },
      createdAt: { lt: minutesAgo(limits.awaitingPaymentMinutes) },
    },
    select: { id: true, stripeCheckoutSessionId: true },
    orderBy: { createdAt: "asc" },
    take: SWEEP_LIMIT,
  });
  const section: SweepSection = { found: orders.length, items: [], orderPaid: [] };
  for (const order of orders) {
    try {
      const result = await convergeCheckoutSession(order.stripeCheckoutSessionId!);
      if (result.outcome === "paid" && result.emitOrderPaid) section.orderPaid.push(result.orderId);
      section.items.push({ subject: `order ${order.id}`, outcome: result.outcome, detail: "reason" in result ? result.reason : undefined });
    } catch (error) {
      // Stripe unreachable for this one: the next sweep tries again; the others still converge.
      section.items.push({ subject: `order ${order.id}`, outcome: "error", detail: describe(error) });
    }
  }
  return section;
}

/**
 * Paid orders whose provisioning never started, and provisioning that stopped moving, past the
 * limit. Re-triggering could race a run that is only queued (the Proxmox concurrency limit) and
 * would need an event id Inngest may already hold, so the operator is told instead (flagOrder).
 */
export async function flagStalledProvisioning(limits: SweepLimits): Promise<SweepSection> {
  const before = minutesAgo(limits.provisioningMinutes);
  const orders = await db.order.findMany({
    where: {
      flagReason: null,
      OR: [
        { status: "paid", paidAt: { lt: before } },
        { status: "provisioning", updatedAt: { lt: before } },
      ],
    },
    select: { id: true, status: true },
    orderBy: { updatedAt: "asc" },
    take: SWEEP_LIMIT,
  });
  const section: SweepSection = { found: orders.length, items: [], orderPaid: [] };
  for (const order of orders) {
    const reason =
      order.status === "paid"
        ? `paid, but provisioning had not started after ${limits.provisioningMinutes} minutes`
        : `provisioning made no progress for ${limits.provisioningMinutes} minutes`;
    await flagOrder(order.id, reason, SWEEPER);
    section.items.push({ subject: `order ${order.id}`, outcome: "flagged", detail: reason });
  }
  return section;
}

/** Events forwarded past the limit whose handler never finished: converge their object, then close them. */
export async function convergeUnprocessedEvents(limits: SweepLimits): Promise<SweepSection> {
  const events = await db.stripeEvent.findMany({
    where: { status: "received", objectId: { not: null }, forwardedAt: { lt: minutesAgo(limits.unprocessedEventMinutes) } },
    select: { id: true, type: true, objectId: true },
    orderBy: { receivedAt: "asc" },
    take: SWEEP_LIMIT,
  });
  const section: SweepSection = { found: events.length, items: [], orderPaid: [] };
  for (const event of events) {
    try {
      const outcome = await convergeEventObject(event.type, event.objectId!, section);
      await markStripeEventProcessed(event.id);
      await recordAudit(SWEEPER, "stripe_event.converged", { type: "stripe_event", id: event.id }, { type: event.type, outcome });
      section.items.push({ subject: `${event.type} ${event.id}`, outcome });
    } catch (error) {
      section.items.push({ subject: `${event.type} ${event.id}`, outcome: "error", detail: describe(error) });
    }
  }
  return section;
}

async function convergeEventObject(type: string, objectId: string, section: SweepSection): Promise<string> {
  if ((checkoutEventTypes as readonly string[]).includes(type)) {
    const result = await convergeCheckoutSession(objectId);
    if (result.outcome === "paid" && result.emitOrderPaid) section.orderPaid.push(result.orderId);
    return result.outcome;
  }
  if (isCardEventType(type)) {
    const customerId = await customerOfCardSignal(type, objectId);
    if (!customerId) return "no-customer";
    const payments = await applyCardUpdate(customerId);
    return payments.length ? `card-update: ${payments.map((p) => p.outcome).join(", ")}` : "card-update";
  }
  const subscriptionId = isInvoiceEventType(type) ? await findInvoiceSubscriptionId(objectId) : objectId;
  if (!subscriptionId) return "not-a-subscription-invoice";
  return (await syncSubscription(subscriptionId)).action;
}

/** The sweep's own record: what it found and did, for /admin (lib/admin/sweeper-activity.ts). */
export async function recordSweep(sweepId: string, sections: Record<string, SweepSection>) {
  const summary = Object.fromEntries(
    Object.entries(sections).map(([name, s]) => [name, { found: s.found, outcomes: countOutcomes(s.items), items: s.items.slice(0, 20) }]),
  );
  await recordAudit(SWEEPER, "sweep.completed", { type: "sweep", id: sweepId }, summary);
  return summary;
}

function countOutcomes(items: SweepItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item.outcome] = (counts[item.outcome] ?? 0) + 1;
  return counts;
}
