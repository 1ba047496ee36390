// The operator's "retry" for a failed resize (its payment is kept, I8): audited, back to `paid`
// with the next apply attempt, and the apply event for that attempt (its id is derived from the
// attempt, so a double click sends one run, I3). A retry of a paid request whose event was lost
// resends it.
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { transitionResize } from "@/lib/resize/resize-state";
import { inngest } from "@/lib/jobs/client";
import { resizeApplyRequested } from "@/lib/jobs/events";

export async function retryResize({ resizeRequestId, adminId }: { resizeRequestId: string; adminId: string }): Promise<{ attempt: number }> {
  const request = await db.resizeRequest.findUnique({
    where: { id: resizeRequestId },
    select: { status: true, applyAttempt: true, vmId: true, failureReason: true },
  });
  if (!request) throw new UserFacingError("That resize does not exist.");
  if (request.status !== "failed" && request.status !== "paid")
    throw new UserFacingError(`Only a failed resize can be retried; this one is ${request.status.replace("_", " ")}.`);
  let attempt = request.applyAttempt;
  if (request.status === "failed") {
    attempt += 1;
    const moved = await transitionResize(resizeRequestId, "failed", "paid", { applyAttempt: attempt, customerMessage: null, progressStep: null });
    if (!moved) throw new UserFacingError("Someone else just retried this resize.");
    await recordAudit(
      { type: "admin", id: adminId },
      "vm.resize_retry_requested",
      { type: "vm", id: request.vmId },
      { resizeRequestId, attempt, previousFailure: request.failureReason },
    );
  }
  await inngest.send(resizeApplyRequested.once({ resizeRequestId, vmId: request.vmId, attempt }));
  return { attempt };
}

/** For /admin/resizes: resizes that need the operator (failed) or are under way, newest first. */
export function listAdminResizes() {
  return db.resizeRequest.findMany({
    where: { status: { in: ["failed", "paid", "applying", "awaiting_payment", "scheduled"] } },
    orderBy: { updatedAt: "desc" },
    take: 100,
    select: {
      id: true,
      status: true,
      kind: true,
      failureReason: true,
      progressStep: true,
      applyAttempt: true,
      amountDueMinor: true,
      currency: true,
      stripeInvoiceId: true,
      fromVcpus: true,
      fromRamGb: true,
      fromDiskGb: true,
      vcpus: true,
      ramGb: true,
      diskGb: true,
      updatedAt: true,
      vm: { select: { name: true, vmid: true, nodeName: true, user: { select: { email: true } } } },
    },
  });
}
