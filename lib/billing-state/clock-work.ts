// What the passing of time does to billing, on each customer's own clock: the ladder's due steps
// (apply-ladder.ts), and the refund of failed builds whose date came (I11). Used by the scheduled
// tick for everyone and by a test clock's `ready` for the accounts on it. Returns the events to
// send (Proxmox and Stripe work runs in their own functions, with ids that keep them once, I3).
import { billingDeleteRequested, orderRefundEventId, orderRefundRequested } from "@/lib/jobs/events";
import { db } from "@/lib/db";
import { runLadderTick } from "@/lib/billing-state/apply-ladder";
import { deleteEventId, suspendRequestedEvent } from "@/lib/billing-state/event-ids";
import { ladderConfig } from "@/lib/billing-state/ladder";
import { findFailedOrdersDueRefund } from "@/lib/orders/refund-failed-order";

export async function runBillingClockWork(opts: { testClockId?: string; now?: Date } = {}) {
  const userIds = opts.testClockId
    ? (await db.user.findMany({ where: { stripeTestClockId: opts.testClockId }, select: { id: true } })).map((u) => u.id)
    : undefined;
  const now = opts.now ?? new Date();
  const tick = await runLadderTick(now, ladderConfig(), { userIds });
  const refunds = await findFailedOrdersDueRefund(now, userIds);
  const events = [
    ...tick.suspend.map(suspendRequestedEvent),
    ...tick.delete.map((d) => billingDeleteRequested.create(d, { id: deleteEventId(d.enforcementId) })),
    ...refunds.map((orderId) => orderRefundRequested.create({ orderId }, { id: orderRefundEventId(orderId) })),
  ];
  return { due: tick.due, applied: tick.applied, suspend: tick.suspend.length, delete: tick.delete.length, refunds: refunds.length, events };
}
