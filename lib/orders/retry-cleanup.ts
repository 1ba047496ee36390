// The operator's "retry cleanup" for a failed order whose cleanup passed its deadline (an overdue
// finding on the admin orders page): audited, the deadline starts again, and the cleanup function
// runs once more for the same attempt. It removes only what is still there, and releases the VMID
// when everything is gone; only then may provisioning be retried.
import { inngest } from "@/lib/jobs/client";
import { orderCleanupRequested } from "@/lib/jobs/events";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

/** The attempt's own error, as compensation first recorded it ("Attempt N failed: …"). */
const originalError = (failureReason: string | null, attempt: number) =>
  (failureReason ?? "").split("\n")[0]!.replace(`Attempt ${attempt} failed: `, "") || "provisioning failed";

export async function retryCleanup({ orderId, adminId }: { orderId: string; adminId: string }): Promise<void> {
  const order = await db.order.findUnique({
    where: { id: orderId },
    select: { status: true, provisionAttempts: true, cleanupStatus: true, failureReason: true },
  });
  if (!order) throw new UserFacingError("That order does not exist.");
  if (order.status !== "failed" || order.cleanupStatus !== "overdue")
    throw new UserFacingError("Only a failed order whose cleanup is overdue can have its cleanup retried.");
  const restartedAt = new Date();
  // Conditional: of two operators (or a double click), one restarts it.
  const { count } = await db.order.updateMany({
    where: { id: orderId, status: "failed", cleanupStatus: "overdue" },
    data: { cleanupStatus: "in_progress", cleanupDeadlineAt: new Date(restartedAt.getTime() + env().CLEANUP_DEADLINE_HOURS * 3_600_000) },
  });
  if (count === 0) throw new UserFacingError("That cleanup has been restarted already.");
  const attempt = order.provisionAttempts;
  try {
    await inngest.send(orderCleanupRequested.once({ orderId, attempt, error: originalError(order.failureReason, attempt) }, restartedAt));
  } catch (error) {
    // Unsent, nothing would run it: the order stays an overdue finding.
    await db.order.updateMany({ where: { id: orderId, cleanupStatus: "in_progress" }, data: { cleanupStatus: "overdue" } });
    throw new UserFacingError(`The cleanup could not be queued (${(error as Error).message}). Nothing changed; try again.`);
  }
  await recordAudit({ type: "admin", id: adminId }, "order.cleanup_retry_requested", { type: "order", id: orderId }, { attempt });
}
