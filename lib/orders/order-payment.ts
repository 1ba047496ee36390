// No dead ends (issue 16): after a declined card, a cancelled checkout or an expired one, the order
// page offers "Complete payment" — the order's own Checkout Session while Stripe keeps it open, or
// a new one for the same order — and "Cancel order", which expires the session at Stripe first so
// it can never be paid afterwards. Nothing here decides that money arrived: only the webhook,
// re-checked against Stripe, does (I1). Another user's order is a 404 (null).
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { createCheckoutSession } from "@/lib/billing/create-checkout-session";
import { ensurePlanPrice } from "@/lib/billing/ensure-plan-price";
import { stripe } from "@/lib/billing/stripe";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";
import { withCapacityLock } from "@/lib/capacity/capacity-lock";
import { findNodeWithRoom } from "@/lib/capacity/find-node-with-room";
import { db } from "@/lib/db";
import { transitionOrder } from "@/lib/orders/order-state";

const PAID_ALREADY = "This order is paid already: your VM is being prepared.";
const UNAVAILABLE = "We couldn't reach our payment provider. Nothing was changed; please try again.";

async function ownOpenOrder(userId: string, orderId: string) {
  const order = await db.order.findFirst({ where: { id: orderId, userId }, include: { plan: true } });
  if (!order) return null;
  if (order.flaggedAt) throw new UserFacingError("Our team is checking a payment for this order; nothing can be changed until then.");
  if (order.status !== "awaiting_payment" && order.status !== "expired")
    throw new UserFacingError(`This order is ${order.status.replace("_", " ")}: there is nothing to pay.`);
  return order;
}

/** Where to pay for the order now: its open session, or a new one (the old one ended unpaid). */
export async function completeOrderPayment(input: { userId: string; orderId: string }): Promise<{ checkoutUrl: string } | null> {
  const order = await ownOpenOrder(input.userId, input.orderId);
  if (!order) return null;
  const current = order.stripeCheckoutSessionId
    ? await stripe()
        .checkout.sessions.retrieve(order.stripeCheckoutSessionId)
        .catch(() => null)
    : null;
  if (current?.status === "complete") throw new UserFacingError(PAID_ALREADY);
  if (current?.status === "open" && current.url) return { checkoutUrl: current.url };
  if (order.kind === "restore") throw new UserFacingError("This restore's checkout has ended. Start the restore again from the VM's page.");
  // A new session for the same order: room is checked again (an open checkout holds room), and the
  // order waits for this session only (a late payment of the old one would be flagged, not lost).
  if (order.kind === "new_vm") {
    await withCapacityLock(async (tx) => {
      if (!(await findNodeWithRoom(order.plan, { client: tx }))) throw new UserFacingError("This plan has sold out meanwhile. Nothing was charged.");
    });
  }
  if (!order.stripeCustomerId) throw new UserFacingError(UNAVAILABLE);
  let url: string;
  try {
    const price = await ensurePlanPrice(order.plan, order.interval);
    const session = await createCheckoutSession({
      orderId: order.id,
      priceId: price.id,
      customerId: order.stripeCustomerId,
      now: await billingNowForUser(input.userId),
      replaces: order.stripeCheckoutSessionId ?? undefined,
    });
    if (!session.url) throw new Error("no url");
    url = session.url;
    await db.$transaction(async (tx) => {
      await tx.order.update({ where: { id: order.id }, data: { stripeCheckoutSessionId: session.id } });
      if (order.status === "expired") await transitionOrder(order.id, "expired", "awaiting_payment", { expiredAt: null }, tx);
      await recordAudit(
        { type: "customer", id: input.userId },
        "order.checkout_restarted",
        { type: "order", id: order.id },
        { checkoutSessionId: session.id, replaces: order.stripeCheckoutSessionId },
        tx,
      );
    });
  } catch (error) {
    if (error instanceof UserFacingError) throw error;
    throw new UserFacingError(UNAVAILABLE);
  }
  return { checkoutUrl: url };
}

/** "Cancel order": its session expired at Stripe first (then it cannot be paid), the order `canceled`. */
export async function cancelUnpaidOrder(input: { userId: string; orderId: string }): Promise<{ canceled: true } | null> {
  const order = await ownOpenOrder(input.userId, input.orderId);
  if (!order) return null;
  if (order.stripeCheckoutSessionId) {
    let session = await stripe()
      .checkout.sessions.retrieve(order.stripeCheckoutSessionId)
      .catch(() => null);
    if (!session) throw new UserFacingError(UNAVAILABLE);
    if (session.status === "open")
      session = await stripe()
        .checkout.sessions.expire(session.id)
        .catch(() => stripe().checkout.sessions.retrieve(session!.id));
    if (session.status === "complete") throw new UserFacingError(PAID_ALREADY);
  }
  const moved = await db.$transaction(async (tx) => {
    const changed = await transitionOrder(order.id, ["awaiting_payment", "expired"], "canceled", {}, tx);
    if (changed)
      await recordAudit(
        { type: "customer", id: input.userId },
        "order.canceled",
        { type: "order", id: order.id },
        { checkoutSessionId: order.stripeCheckoutSessionId },
        tx,
      );
    return changed;
  });
  if (!moved) throw new UserFacingError("This order changed meanwhile; reload the page.");
  return { canceled: true };
}
