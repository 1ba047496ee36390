// The operator's "retry provisioning" for a failed order: audited, then a new `order/paid` with
// the next attempt number. The event id is derived from the attempt, so a double click (or two
// operators) sends one event (I3); the provisioning function claims the order for that attempt.
import { inngest } from "@/lib/jobs/client";
import { orderPaid } from "@/lib/jobs/events";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";

export async function retryProvisioning({ orderId, adminId }: { orderId: string; adminId: string }): Promise<void> {
  const order = await db.order.findUnique({
    where: { id: orderId },
    select: { status: true, provisionAttempts: true, cleanupStatus: true, cleanupRemaining: true, refundedAt: true },
  });
  if (!order) throw new UserFacingError("That order does not exist.");
  if (order.status !== "failed") throw new UserFacingError(`Only a failed order can be retried; this one is ${order.status.replace("_", " ")}.`);
  if (order.refundedAt) throw new UserFacingError("This order is being refunded; it cannot be retried.");
  // A retry starts clean (I8): never while the failed attempt's resources may still exist.
  if (order.cleanupStatus === "in_progress") throw new UserFacingError("The failed attempt is still being cleaned up. Retry once cleanup has finished.");
  if (order.cleanupStatus === "overdue")
    throw new UserFacingError(`Cleanup of the failed attempt did not finish; remove what remains first: ${order.cleanupRemaining ?? "see the failure reason"}`);
  const attempt = order.provisionAttempts + 1;
  await inngest.send(orderPaid.once({ orderId, attempt }));
  // Audited once the retry is really queued: a failed send leaves no record of a retry that never happened.
  await recordAudit({ type: "admin", id: adminId }, "order.provisioning_retry_requested", { type: "order", id: orderId }, { attempt });
}
