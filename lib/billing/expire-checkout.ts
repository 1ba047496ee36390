// An order's checkout ends without payment only when Stripe says its session expired. A cancel
// redirect or a closed tab decides nothing: the customer may still pay until the session expires.
import { db } from "@/lib/db";
import { causeActor, type CheckoutCause, type CheckoutSnapshot } from "@/lib/billing/confirm-checkout";
import { transitionOrder } from "@/lib/orders/order-state";
import { recordAudit } from "@/lib/audit/record-audit";

export type ExpireResult =
  | { action: "expired"; orderId: string }
  /** The session is not expired in Stripe (a stray or stale signal), or the order moved on. */
  | { action: "unchanged"; orderId: string | null; reason: string };

export async function expireCheckout(session: CheckoutSnapshot, cause: CheckoutCause): Promise<ExpireResult> {
  if (session.status !== "expired") return { action: "unchanged", orderId: null, reason: `session is ${session.status ?? "unknown"}` };
  const order = session.clientReferenceId
    ? await db.order.findUnique({ where: { id: session.clientReferenceId }, select: { id: true, stripeCheckoutSessionId: true } })
    : null;
  if (!order) return { action: "unchanged", orderId: null, reason: "no order for this session" };
  // An order that moved to a newer session must not expire with its old one.
  if (order.stripeCheckoutSessionId !== session.id) return { action: "unchanged", orderId: order.id, reason: "not the order's current session" };

  const moved = await db.$transaction(async (tx) => {
    const changed = await transitionOrder(order.id, "awaiting_payment", "expired", { expiredAt: new Date() }, tx);
    if (changed) await recordAudit(causeActor(cause), "order.expired", { type: "order", id: order.id }, { checkoutSessionId: session.id }, tx);
    return changed;
  });
  return moved ? { action: "expired", orderId: order.id } : { action: "unchanged", orderId: order.id, reason: "order is not awaiting payment" };
}
