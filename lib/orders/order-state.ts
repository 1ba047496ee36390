// The order state machine: the only place that says which status may follow which. Every writer
// moves an order with transitionOrder(), a conditional update that succeeds for exactly one of
// any number of concurrent callers (I3).
import type { OrderStatus, Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db";
import { defineStateMachine } from "@/lib/state/state-machine";

const orderMachine = defineStateMachine<OrderStatus>("order", {
  // refunded: the operator cancelled and refunded a payment we flagged (lib/billing/refund-flagged-order.ts).
  // canceled: the customer's "Cancel order" before paying (lib/orders/order-payment.ts).
  awaiting_payment: ["paid", "expired", "refunded", "canceled"],
  paid: ["provisioning", "failed"],
  provisioning: ["provisioned", "failed"],
  provisioned: [],
  // An operator's audited retry, or the full refund of a build that could not be done (I11).
  failed: ["provisioning", "refunded"],
  // A payment that lands after the session expired in our books still counts: Stripe is the
  // authority on money, and the customer must get what they paid for. "Complete payment" reopens
  // an expired order with a new checkout.
  expired: ["paid", "refunded", "awaiting_payment", "canceled"],
  refunded: [],
  canceled: [],
});

export const canTransitionOrder = orderMachine.can;

/**
 * Moves `orderId` from one of `from` to `to`, writing `data` in the same statement.
 * Returns false when the order was not in `from` (someone else moved it first): callers treat
 * that as "already done", which is what makes replays harmless.
 */
export async function transitionOrder(
  orderId: string,
  from: OrderStatus | OrderStatus[],
  to: OrderStatus,
  data: Omit<Prisma.OrderUpdateManyMutationInput, "status"> = {},
  client: Pick<typeof db, "order"> = db,
): Promise<boolean> {
  const sources = orderMachine.sources(from, to);
  const { count } = await client.order.updateMany({ where: { id: orderId, status: { in: sources } }, data: { ...data, status: to } });
  return count === 1;
}
