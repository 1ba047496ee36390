// Turns a Checkout Session, re-read from Stripe, into a paid order — or into a flag for the
// operator. This is the gate of I1: only a complete, paid session for a known order, whose amount
// and currency are the order's, moves the order to `paid` and lets provisioning start.
import type Stripe from "stripe";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { idOf, snapshotSubscription, syncSubscription, type SubscriptionSnapshot } from "@/lib/billing/sync-subscription";
import { transitionOrder } from "@/lib/orders/order-state";
import { recordAudit, type AuditActor } from "@/lib/audit/record-audit";
import type { OrderKind } from "@/lib/generated/prisma/client";
import { orderPaid, vmRestoreRequested } from "@/lib/jobs/events";
import { log } from "@/lib/observability/log";

/** What the product needs from a Checkout Session: ids and money, no customer details (plain JSON). */
export interface CheckoutSnapshot {
  id: string;
  status: Stripe.Checkout.Session.Status | null;
  paymentStatus: Stripe.Checkout.Session.PaymentStatus;
  clientReferenceId: string | null;
  metadataOrderId: string | null;
  amountTotal: number | null;
  /** Stripe Tax's exclusive tax on top of the items (STRIPE_AUTOMATIC_TAX), part of amountTotal. */
  amountTax?: number;
  currency: string | null;
  customerId: string | null;
  subscription: SubscriptionSnapshot | null;
  priceIds: string[];
  /** `metadata.planId` of each line item's price (ensurePlanPrice stamps it): what was bought. */
  planIds: string[];
}

export async function readCheckoutSession(sessionId: string): Promise<CheckoutSnapshot> {
  const session = await stripe().checkout.sessions.retrieve(sessionId, { expand: ["subscription", "line_items"] });
  const subscription = session.subscription;
  return {
    id: session.id,
    status: session.status,
    paymentStatus: session.payment_status,
    clientReferenceId: session.client_reference_id,
    metadataOrderId: session.metadata?.orderId ?? null,
    amountTotal: session.amount_total,
    amountTax: session.automatic_tax.enabled ? (session.total_details?.amount_tax ?? 0) : 0,
    currency: session.currency,
    customerId: session.customer ? idOf(session.customer) : null,
    subscription: subscription && typeof subscription !== "string" ? snapshotSubscription(subscription) : null,
    priceIds: (session.line_items?.data ?? []).flatMap((item) => (item.price ? [item.price.id] : [])),
    planIds: (session.line_items?.data ?? []).flatMap((item) => (item.price?.metadata?.planId ? [item.price.metadata.planId] : [])),
  };
}

export type ConfirmResult =
  /** Money confirmed. `moved` = this call made the transition; `emitOrderPaid` = start provisioning. */
  | { action: "confirmed"; orderId: string; moved: boolean; emitOrderPaid: boolean; kind: OrderKind }
  /** Stripe has not (yet) taken the money: an open session, or an async payment still pending. */
  | { action: "not-paid"; orderId: string; sessionStatus: string | null; paymentStatus: string }
  | { action: "flagged"; orderId: string; reason: string }
  | { action: "unknown-order" };

/** Who an outcome is recorded against: a Stripe event id (the webhook's signal), or another actor (the sweeper). */
export type CheckoutCause = string | AuditActor;
export const causeActor = (cause: CheckoutCause): AuditActor => (typeof cause === "string" ? { type: "stripe", id: cause } : cause);

export async function confirmCheckout(session: CheckoutSnapshot, cause: CheckoutCause): Promise<ConfirmResult> {
  const order = await findOrderForSession(session);
  if (!order) {
    log("confirm-checkout").warn({ checkoutSessionId: session.id }, "no order for checkout session");
    return { action: "unknown-order" };
  }
  const flag = async (reason: string): Promise<ConfirmResult> => {
    await flagOrder(order.id, reason, causeActor(cause), session.id);
    return { action: "flagged", orderId: order.id, reason };
  };

  const mismatch = describeMismatch(session, order);
  if (mismatch) return flag(mismatch);
  // Open, or complete with a delayed payment method still settling: a later event will say more.
  if (session.status !== "complete" || session.paymentStatus === "unpaid") {
    return { action: "not-paid", orderId: order.id, sessionStatus: session.status, paymentStatus: session.paymentStatus };
  }
  if (session.paymentStatus !== "paid") return flag(`checkout completed with payment_status ${session.paymentStatus}`);
  const money = describeAmountMismatch(session, order);
  if (money) return flag(money);
  // The right amount for the wrong product is still not this order (a price edited by hand, a
  // session reused for another plan): the operator decides, and may cancel and refund it.
  if (!session.planIds.includes(order.planId))
    return flag(`unknown plan: paid for ${session.planIds.join(", ") || "no plan of ours"}, order is for plan ${order.planId}`);
  if (!session.subscription || !session.customerId) return flag("paid checkout session has no subscription or customer");
  if (session.subscription.metadataOrderId && session.subscription.metadataOrderId !== order.id) {
    return flag(`subscription ${session.subscription.id} metadata names another order`);
  }

  const subscriptionId = session.subscription.id;
  const moved = await db.$transaction(async (tx) => {
    const changed = await transitionOrder(
      order.id,
      ["awaiting_payment", "expired"],
      "paid",
      { paidAt: new Date(), stripeCustomerId: session.customerId, stripeSubscriptionId: subscriptionId },
      tx,
    );
    if (changed) {
      await recordAudit(
        causeActor(cause),
        "order.paid",
        { type: "order", id: order.id },
        { checkoutSessionId: session.id, subscriptionId, amountMinor: session.amountTotal, currency: session.currency, priceIds: session.priceIds },
        tx,
      );
    }
    return changed;
  });

  const current = await db.order.findUniqueOrThrow({
    where: { id: order.id },
    select: { status: true, kind: true, stripeSubscriptionId: true, vm: { select: { id: true } }, reservation: { select: { vmid: true } } },
  });
  // Read fresh rather than from the snapshot: a subscription change that arrived before the order
  // was linked was skipped by the sync, and this read is later than it.
  if (current.stripeSubscriptionId === subscriptionId) await syncSubscription(subscriptionId);
  // A crash after the transition but before the event went out leaves a paid order with nothing
  // started; re-emitting then is safe because the event id is fixed.
  const provisioningStarted = current.status !== "paid" || current.vm !== null || current.reservation !== null;
  return { action: "confirmed", orderId: order.id, moved, emitOrderPaid: moved || !provisioningStarted, kind: current.kind };
}

/** What starts the work a paid order buys: a build (`order/paid`), or a restore of a kept VM (issue 16). */
export async function paidOrderEvents(orderIds: string[]) {
  if (orderIds.length === 0) return [];
  const orders = await db.order.findMany({ where: { id: { in: orderIds } }, select: { id: true, kind: true } });
  return orders.map((o) => (o.kind === "restore" ? vmRestoreRequested.once({ orderId: o.id }) : orderPaid.once({ orderId: o.id, attempt: 1 })));
}

type OrderForCheckout = { id: string; planId: string; stripeCheckoutSessionId: string | null; amountMinor: number; currency: string };
const orderFields = { id: true, planId: true, stripeCheckoutSessionId: true, amountMinor: true, currency: true } as const;

async function findOrderForSession(session: CheckoutSnapshot): Promise<OrderForCheckout | null> {
  const byReference = session.clientReferenceId ? await db.order.findUnique({ where: { id: session.clientReferenceId }, select: orderFields }) : null;
  // An order that holds this session but is not its client_reference_id still gets flagged below.
  return byReference ?? (await db.order.findUnique({ where: { stripeCheckoutSessionId: session.id }, select: orderFields }));
}

function describeMismatch(session: CheckoutSnapshot, order: OrderForCheckout): string | null {
  if (session.clientReferenceId !== order.id) return `checkout session ${session.id} has client_reference_id ${session.clientReferenceId ?? "(none)"}`;
  if (order.stripeCheckoutSessionId !== session.id)
    return `checkout session ${session.id} is not the order's session (${order.stripeCheckoutSessionId ?? "none"})`;
  if (session.metadataOrderId && session.metadataOrderId !== order.id) return `checkout session ${session.id} metadata names order ${session.metadataOrderId}`;
  return null;
}

function describeAmountMismatch(session: CheckoutSnapshot, order: OrderForCheckout): string | null {
  const sameCurrency = (session.currency ?? "").toLowerCase() === order.currency.toLowerCase();
  // With automatic tax the customer also paid the tax, on top of the order's (tax-exclusive) price.
  const tax = session.amountTax ?? 0;
  if (session.amountTotal !== null && session.amountTotal - tax === order.amountMinor && sameCurrency) return null;
  return `paid ${session.amountTotal ?? "?"} ${session.currency ?? "?"}${tax ? ` (incl. ${tax} tax)` : ""}, order is ${order.amountMinor} ${order.currency}`;
}

/** Sets the flag once per distinct reason, so a replayed event neither rewrites nor re-audits it. */
export async function flagOrder(orderId: string, reason: string, actor: AuditActor, checkoutSessionId?: string) {
  const { count } = await db.order.updateMany({
    where: { id: orderId, OR: [{ flagReason: null }, { flagReason: { not: reason } }] },
    // The session is kept because it may not be the order's own, and "cancel and refund" needs it.
    data: { flagReason: reason, flaggedAt: new Date(), ...(checkoutSessionId && { flaggedCheckoutSessionId: checkoutSessionId }) },
  });
  if (count === 0) return;
  await recordAudit(actor, "order.flagged", { type: "order", id: orderId }, { reason, checkoutSessionId: checkoutSessionId ?? null });
  log("confirm-checkout").warn({ orderId }, "flagged order");
}
