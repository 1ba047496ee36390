// The operator's "cancel and refund" for a flagged order: Stripe took the money but we refused the
// order (amount mismatch, a session that is not the order's…), and its subscription would renew
// every month. Stripe is re-read first; the subscription is cancelled and the paid invoice's
// payments (endive: `invoice.payments`, there is no `invoice.payment_intent`) are refunded, each
// request with an idempotency key derived from the order, so a double click, two operators or a
// retry after a failure move money once. The order then becomes `refunded` in one conditional
// transition, audited once.
import Stripe from "stripe";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { stripe } from "@/lib/billing/stripe";
import { idOf } from "@/lib/billing/sync-subscription";
import { db } from "@/lib/db";
import { formatMoney } from "@/lib/format/money";
import { transitionOrder } from "@/lib/orders/order-state";
import { refundInvoiceOnce } from "@/lib/billing/refund-invoice";
import { sendRefundEmail } from "@/lib/email/customer-notices";

export type RefundOutcome = { refundedMinor: number; currency: string; alreadyDone: boolean };

/** Customer words (I4): no Stripe ids, no reason text. */
export function refundedMessage(amountMinor: number, currency: string) {
  return `We could not accept this order, so we cancelled its subscription and refunded ${formatMoney(amountMinor, currency)}. Refunds usually reach your card within 5–10 business days.`;
}

export async function cancelAndRefundFlaggedOrder({ orderId, adminId }: { orderId: string; adminId: string }): Promise<RefundOutcome> {
  const order = await db.order.findUnique({
    where: { id: orderId },
    select: {
      status: true,
      flagReason: true,
      flaggedCheckoutSessionId: true,
      stripeCheckoutSessionId: true,
      refundedMinor: true,
      currency: true,
      userId: true,
      plan: { select: { name: true } },
    },
  });
  if (!order) throw new UserFacingError("That order does not exist.");
  if (order.status === "refunded") return { refundedMinor: order.refundedMinor ?? 0, currency: order.currency, alreadyDone: true };
  if (!order.flagReason) throw new UserFacingError("Only a flagged order can be cancelled and refunded here.");
  // A paid order has a VM (or is getting one): refunding it is not this action's business.
  if (order.status !== "awaiting_payment" && order.status !== "expired") {
    throw new UserFacingError(`This order is ${order.status.replace("_", " ")}; only a flagged order that was never accepted can be refunded here.`);
  }
  const sessionId = order.flaggedCheckoutSessionId ?? order.stripeCheckoutSessionId;
  if (!sessionId) throw new UserFacingError("This order has no Stripe checkout to refund.");

  let session: Stripe.Checkout.Session, canceled: Stripe.Subscription | null, refunds: Array<{ id: string; amount: number }>;
  try {
    session = await stripe().checkout.sessions.retrieve(sessionId, { expand: ["subscription"] });
    const subscription = session.subscription && typeof session.subscription !== "string" ? session.subscription : null;
    canceled = subscription ? await cancelSubscriptionOnce(subscription, orderId) : null;
    refunds = session.invoice ? await refundInvoiceOnce(idOf(session.invoice), { orderId }, `refund-order-${orderId}`) : [];
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    // Operator-facing (admin only): Stripe's own words help; a retry repeats the same keyed requests.
    const { code, message } = error;
    await recordAudit(
      { type: "admin", id: adminId },
      "order.refund_failed",
      { type: "order", id: orderId },
      { checkoutSessionId: sessionId, code: code ?? null, message },
    );
    throw new UserFacingError(`Stripe did not complete it (${code ?? "error"}: ${message}). Nothing was marked refunded; try again.`);
  }
  const refundedMinor = refunds.reduce((sum, r) => sum + r.amount, 0);
  const currency = session.currency ?? order.currency;

  const moved = await db.$transaction(async (tx) => {
    const changed = await transitionOrder(
      orderId,
      ["awaiting_payment", "expired"],
      "refunded",
      { refundedAt: new Date(), refundedMinor, customerMessage: refundedMessage(refundedMinor, currency) },
      tx,
    );
    if (changed) {
      await recordAudit(
        { type: "admin", id: adminId },
        "order.canceled_and_refunded",
        { type: "order", id: orderId },
        {
          checkoutSessionId: sessionId,
          subscriptionId: canceled?.id ?? null,
          subscriptionStatus: canceled?.status ?? null,
          refunds: refunds.map((r) => ({ id: r.id, amount: r.amount })),
          refundedMinor,
          currency,
          flagReason: order.flagReason,
        },
        tx,
      );
    }
    return changed;
  });
  if (moved && refundedMinor > 0)
    await sendRefundEmail(`refund:order:${orderId}`, order.userId, { amountMinor: refundedMinor, currency, what: `your ${order.plan.name} order` });
  return { refundedMinor, currency, alreadyDone: !moved };
}

/** Cancels now (not at period end): the customer must not be billed again for an order we refused. */
async function cancelSubscriptionOnce(subscription: Stripe.Subscription, orderId: string): Promise<Stripe.Subscription> {
  if (subscription.status === "canceled" || subscription.status === "incomplete_expired") return subscription;
  return stripe().subscriptions.cancel(subscription.id, {}, { idempotencyKey: `refund-order-cancel-${orderId}` });
}
