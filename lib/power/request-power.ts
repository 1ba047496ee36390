// Recording a customer's power click as intent (I2): a pending PowerRequest, an audit event and a
// `vm/power.requested` event. The Inngest function does the Proxmox work.
import { UserFacingError } from "@/lib/errors";
import { recordAudit, type AuditActor } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import type { PowerAction, VmStatus } from "@/lib/generated/prisma/client";
import { OPEN_POWER_STATUSES, transitionPowerRequest } from "@/lib/power/power-request-state";
import { powerRefusal } from "@/lib/power/power-rules";
import { assertBillingAllows } from "@/lib/billing-state/gates";
import { vmBusyWith } from "@/lib/vm-operations/vm-busy";
import { inngest } from "@/lib/jobs/client";
import { vmPowerRequested } from "@/lib/jobs/events";

export const BUSY_MESSAGE = "Another operation is in progress. Wait for it to finish, then try again.";
const QUEUE_FAILED_MESSAGE = "We couldn't queue that right now. Nothing was changed; please try again.";
// Far beyond any power operation with all its retries (minutes): a request still open after this
// lost its run (cancelled, or the executor's state was lost) and must not block the VM forever.
export const POWER_REQUEST_ABANDONED_AFTER_MS = 15 * 60_000;

/**
 * Records `action` for the user's VM and queues it. Returns null when the VM is not this user's
 * (callers answer 404, I5); throws UserFacingError when the state forbids it or another request
 * is pending or running (nothing is written then, I10).
 */
export async function requestPower(input: {
  userId: string;
  vmId: string;
  action: PowerAction;
  actor?: AuditActor;
}): Promise<{ powerRequestId: string } | null> {
  const { userId, vmId, action } = input;
  const request = await db.$transaction(async (tx) => {
    // Locking the VM row serialises concurrent clicks: the second sees the first one's request.
    const rows = await tx.$queryRaw<Array<{ status: VmStatus }>>`SELECT status::text AS status FROM vms WHERE id = ${vmId} AND user_id = ${userId} FOR UPDATE`;
    if (rows.length === 0) return null;
    const abandoned = await tx.powerRequest.updateManyAndReturn({
      where: { vmId, status: { in: [...OPEN_POWER_STATUSES] }, createdAt: { lt: new Date(Date.now() - POWER_REQUEST_ABANDONED_AFTER_MS) } },
      data: { status: "failed", error: "abandoned: no result within 15 minutes", finishedAt: new Date() },
      select: { id: true },
    });
    for (const { id } of abandoned) await recordAudit({ type: "system" }, "vm.power_abandoned", { type: "vm", id: vmId }, { powerRequestId: id }, tx);
    // One operation per VM: a resize being applied (or queued to be), or a lab operation, holds it too.
    if (await vmBusyWith(tx, vmId)) throw new UserFacingError(BUSY_MESSAGE);
    const refusal = powerRefusal(rows[0].status, action);
    if (refusal) throw new UserFacingError(refusal);
    // Billing (I6): start and reboot need a paid account; shutdown and stop stay open.
    if (action === "start" || action === "reboot") await assertBillingAllows({ userId, vmId, action }, tx);
    const created = await tx.powerRequest.create({ data: { vmId, userId, action }, select: { id: true } });
    // The operator acting from /admin is audited as the operator (issue 22); `userId` stays the owner.
    await recordAudit(
      input.actor ?? { type: "customer", id: userId },
      "vm.power_requested",
      { type: "vm", id: vmId },
      { action, powerRequestId: created.id },
      tx,
    );
    return created;
  });
  if (!request) return null;

  try {
    // The request id is the event id: a retried send cannot start a second run.
    await inngest.send(vmPowerRequested.once({ powerRequestId: request.id, vmId }));
  } catch (error) {
    // Unsent, the request would block this VM's power controls forever: close it.
    const reason = `event send failed: ${error instanceof Error ? error.message : String(error)}`;
    await transitionPowerRequest(request.id, "pending", "failed", { error: reason, finishedAt: new Date() });
    throw new UserFacingError(QUEUE_FAILED_MESSAGE);
  }
  return { powerRequestId: request.id };
}
