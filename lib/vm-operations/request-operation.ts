// Recording a customer's lab operation as intent (I2): checked and written in one transaction that
// locks the VM row (owner, state, one operation per VM, billing gate, plan limits), then one
// event for the Inngest function that carries it out. Nothing here calls Proxmox.
import { randomUUID } from "node:crypto";
import { FieldError, UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { assertBillingAllows, type GatedAction } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import type { Prisma, VmOperationKind, VmStatus } from "@/lib/generated/prisma/client";
import { BUSY_MESSAGE } from "@/lib/power/request-power";
import type { OperationRequest } from "@/lib/vm-operations/operation-input";
import { transitionBackup, transitionOperation, transitionSnapshot } from "@/lib/vm-operations/operation-state";
import { vmBusyWith } from "@/lib/vm-operations/vm-busy";
import { inngest } from "@/lib/jobs/client";
import { rebuildRequested, vmOperationRequested } from "@/lib/jobs/events";

const QUEUE_FAILED_MESSAGE = "We couldn't queue that right now. Nothing was changed; please try again.";
type Tx = Prisma.TransactionClient;
type LockedVm = { id: string; status: VmStatus; name: string; plan_id: string; node_name: string | null; lab_type: string };

/** Billing (I6): snapshots and backups are blocked from the ladder's backups_blocked rung on; a rebuild starts the VM. */
const GATE: Record<VmOperationKind, GatedAction> = {
  snapshot_create: "snapshot",
  snapshot_rollback: "snapshot",
  snapshot_delete: "snapshot",
  backup_create: "backup",
  backup_restore: "backup",
  rebuild: "start",
};

/** A Proxmox snapshot name: never the customer's label (free text), unique per VM, PVE's configid format. */
const snapshotName = () => `lab_${randomUUID().replace(/-/g, "").slice(0, 20)}`;

type Prepared = { snapshotId?: string; backupId?: string; params?: Prisma.InputJsonValue; audit: Prisma.InputJsonObject };

async function prepare(tx: Tx, vm: LockedVm, userId: string, request: OperationRequest): Promise<Prepared> {
  switch (request.kind) {
    case "snapshot_create": {
      const plan = await tx.plan.findUniqueOrThrow({ where: { id: vm.plan_id }, select: { snapshotLimit: true, snapshotWithRam: true } });
      const kept = await tx.vmSnapshot.count({ where: { vmId: vm.id, status: { in: ["creating", "ready", "deleting"] } } });
      if (kept >= plan.snapshotLimit)
        throw new FieldError("label", `Your plan keeps ${plan.snapshotLimit} snapshot${plan.snapshotLimit === 1 ? "" : "s"}. Delete one to take another.`);
      if (request.withRam && !plan.snapshotWithRam) throw new FieldError("withRam", "Your plan takes disk-only snapshots.");
      const snapshot = await tx.vmSnapshot.create({
        data: { vmId: vm.id, name: snapshotName(), label: request.label, description: request.description, withRam: request.withRam },
        select: { id: true },
      });
      return { snapshotId: snapshot.id, audit: { label: request.label, withRam: request.withRam } };
    }
    case "snapshot_rollback":
    case "snapshot_delete": {
      const snapshot = await tx.vmSnapshot.findFirst({ where: { id: request.snapshotId, vmId: vm.id, status: "ready" }, select: { id: true } });
      if (!snapshot) throw new UserFacingError("That snapshot is not there any more.");
      if (request.kind === "snapshot_delete") await transitionSnapshot(snapshot.id, "ready", "deleting", {}, tx);
      return { snapshotId: snapshot.id, audit: { snapshotId: snapshot.id } };
    }
    case "backup_create": {
      const backup = await tx.vmBackup.create({ data: { vmId: vm.id, scheduled: false }, select: { id: true } });
      return { backupId: backup.id, audit: { backupId: backup.id } };
    }
    case "backup_restore": {
      const backup = await tx.vmBackup.findFirst({ where: { id: request.backupId, vmId: vm.id, status: "ready" }, select: { id: true } });
      if (!backup) throw new UserFacingError("That backup is not there any more.");
      return { backupId: backup.id, audit: { backupId: backup.id } };
    }
    case "rebuild": {
      if (request.confirmHostname !== vm.name) throw new FieldError("confirmHostname", `Type ${vm.name} to confirm.`);
      if (request.templateId) {
        const image = await tx.template.findFirst({
          where: { id: request.templateId, labType: vm.lab_type as never, node: { name: vm.node_name ?? "" } },
          select: { id: true },
        });
        if (!image) throw new FieldError("templateId", "Choose one of the images offered.");
      }
      // The customer's keys as they are now: a rebuild puts exactly these on the new system.
      const keys = await tx.sshKey.findMany({ where: { userId }, orderBy: { createdAt: "asc" }, select: { publicKey: true } });
      if (!keys.length) throw new UserFacingError("Add an SSH key (SSH keys page) first: the rebuilt system has no other way in over SSH.");
      return { params: { templateId: request.templateId, sshPublicKeys: keys.map((k) => k.publicKey) }, audit: { templateId: request.templateId } };
    }
  }
}

/**
 * Records the request and queues it. Null when the VM is not this user's (callers answer 404, I5);
 * UserFacingError/FieldError when the state, the plan or billing forbid it (nothing written, I10).
 * The same `requestKey` twice returns the first operation (a double submit builds once).
 */
export async function requestVmOperation(input: {
  userId: string;
  vmId: string;
  requestKey: string;
  request: OperationRequest;
}): Promise<{ operationId: string; duplicate: boolean } | null> {
  const { userId, vmId, request } = input;
  const requestKey = `${userId}:${input.requestKey}`;
  const recorded = await db.$transaction(async (tx) => {
    const [vm] = await tx.$queryRaw<LockedVm[]>`
      SELECT id, status::text AS status, name, plan_id, node_name, lab_type::text AS lab_type FROM vms WHERE id = ${vmId} AND user_id = ${userId} FOR UPDATE`;
    if (!vm) return null;
    const earlier = await tx.vmOperation.findUnique({ where: { requestKey }, select: { id: true, vmId: true } });
    if (earlier) return earlier.vmId === vmId ? { operationId: earlier.id, duplicate: true } : null;
    const usable =
      vm.status === "running" || vm.status === "stopped" || (request.kind === "rebuild" && vm.status === "failed" && (await lastRebuildFailed(tx, vmId)));
    if (!usable) throw new UserFacingError(vm.status === "provisioning" ? "Your VM is still being set up." : "This VM is not available.");
    if (await vmBusyWith(tx, vmId)) throw new UserFacingError(BUSY_MESSAGE);
    await assertBillingAllows({ userId, vmId, action: GATE[request.kind] }, tx);
    const prepared = await prepare(tx, vm, userId, request);
    const operation = await tx.vmOperation.create({
      data: {
        vmId,
        userId,
        kind: request.kind,
        openKey: vmId,
        requestKey,
        snapshotId: prepared.snapshotId,
        backupId: prepared.backupId,
        params: prepared.params ?? {},
      },
      select: { id: true },
    });
    await recordAudit(
      { type: "customer", id: userId },
      `vm.${request.kind}_requested`,
      { type: "vm", id: vmId },
      { operationId: operation.id, ...prepared.audit },
      tx,
    );
    return { operationId: operation.id, duplicate: false };
  });
  if (!recorded || recorded.duplicate) return recorded;
  await queueOperation(recorded.operationId, vmId, request.kind);
  return recorded;
}

async function lastRebuildFailed(tx: Tx, vmId: string): Promise<boolean> {
  const last = await tx.vmOperation.findFirst({ where: { vmId }, orderBy: { createdAt: "desc" }, select: { kind: true, status: true } });
  return last?.kind === "rebuild" && last.status === "failed";
}

/** The operation id is the event id: a retried send cannot start a second run. Unsent, it is closed. */
export async function queueOperation(operationId: string, vmId: string, kind: VmOperationKind): Promise<void> {
  try {
    const event = kind === "rebuild" ? rebuildRequested.once({ operationId, vmId }) : vmOperationRequested.once({ operationId, vmId });
    await inngest.send(event);
  } catch (error) {
    const reason = `event send failed: ${error instanceof Error ? error.message : String(error)}`;
    const op = await db.vmOperation.findUnique({ where: { id: operationId }, select: { snapshotId: true, backupId: true, kind: true } });
    await transitionOperation(operationId, "pending", "failed", { error: reason });
    if (op?.snapshotId && op.kind === "snapshot_create") await transitionSnapshot(op.snapshotId, "creating", "failed");
    if (op?.snapshotId && op.kind === "snapshot_delete") await transitionSnapshot(op.snapshotId, "deleting", "ready");
    if (op?.backupId && op.kind === "backup_create") await transitionBackup(op.backupId, "creating", "failed");
    throw new UserFacingError(QUEUE_FAILED_MESSAGE);
  }
}
