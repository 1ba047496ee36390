// The parts every lab operation run shares (I2: only background code calls Proxmox): claiming the
// operation once, reading its target, the billing gate at the last moment (I6), waiting while a
// power action or a resize holds the VM, and closing it (done, or failed with a reason for the
// operator and a plain sentence for the customer, I4).
import { recordAudit } from "@/lib/audit/record-audit";
import { billingGate, type GatedAction } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import type { VmOperationKind } from "@/lib/generated/prisma/client";
import { syncVmStatus } from "@/lib/power/run-power";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { transitionBackup, transitionOperation, transitionSnapshot } from "@/lib/vm-operations/operation-state";
import { vmBusyWith } from "@/lib/vm-operations/vm-busy";

/** Another try cannot fix it (the VM is gone, billing forbids it): the run stops and the operation fails. */
export class OperationHaltedError extends ProvisioningHaltedError {
  constructor(message: string) {
    super(message);
    this.name = "OperationHaltedError";
  }
}

export type OperationTarget = {
  operationId: string;
  kind: VmOperationKind;
  vmId: string;
  orderId: string;
  userId: string;
  node: string;
  vmid: number;
  snapshot: { id: string; name: string; label: string; withRam: boolean } | null;
  backup: { id: string; volid: string | null; storage: string | null } | null;
};

const GATE: Partial<Record<VmOperationKind, GatedAction>> = {
  snapshot_create: "snapshot",
  snapshot_rollback: "snapshot",
  snapshot_delete: "snapshot",
  backup_create: "backup",
  backup_restore: "backup",
};

/** pending → running for exactly one run; false: another run has it or it is over (I3). */
export async function claimOperation(operationId: string): Promise<boolean> {
  return transitionOperation(operationId, "pending", "running", { startedAt: new Date(), progressStep: "starting" });
}

export const setOperationProgress = (operationId: string, progressStep: string) =>
  db.vmOperation.updateMany({ where: { id: operationId, status: "running" }, data: { progressStep } });

export async function loadOperationTarget(operationId: string): Promise<OperationTarget> {
  const op = await db.vmOperation.findUniqueOrThrow({
    where: { id: operationId },
    select: {
      kind: true,
      vmId: true,
      userId: true,
      snapshotId: true,
      backupId: true,
      vm: { select: { userId: true, orderId: true, vmid: true, nodeName: true, status: true } },
    },
  });
  const { vm } = op;
  if (op.userId && vm.userId !== op.userId) throw new OperationHaltedError("vm owner is not the requester");
  if (vm.vmid === null || !vm.nodeName) throw new OperationHaltedError("vm has no vmid or node");
  if (vm.status === "destroyed") throw new OperationHaltedError("vm is destroyed");
  const snapshot = op.snapshotId
    ? await db.vmSnapshot.findUnique({ where: { id: op.snapshotId }, select: { id: true, name: true, label: true, withRam: true } })
    : null;
  const backup = op.backupId ? await db.vmBackup.findUnique({ where: { id: op.backupId }, select: { id: true, volid: true, storage: true } }) : null;
  return { operationId, kind: op.kind, vmId: op.vmId, orderId: vm.orderId, userId: vm.userId, node: vm.nodeName, vmid: vm.vmid, snapshot, backup };
}

/** I6 at the last moment: a suspension (or the backups-blocked rung) reached since the click stops it. */
export async function checkOperationAllowed(target: OperationTarget): Promise<void> {
  const action = GATE[target.kind];
  if (!action) return;
  const gate = await billingGate({ userId: target.userId, vmId: target.vmId, action });
  if (!gate.allowed) throw new OperationHaltedError(`refused: billing (${action})`);
}

/** Whether the VM is free of power actions and resizes (our own operation holds it by design). */
export async function vmFreeForOperation(vmId: string): Promise<boolean> {
  const busy = await vmBusyWith(db, vmId);
  return busy === null || busy === "operation";
}

export async function finishOperation(target: OperationTarget, detail: Record<string, string | number | boolean | null> = {}): Promise<boolean> {
  const moved = await transitionOperation(target.operationId, "running", "done", { progressStep: null });
  if (moved) await recordAudit({ type: "system" }, `vm.${target.kind}_done`, { type: "vm", id: target.vmId }, { operationId: target.operationId, ...detail });
  return moved;
}

const FAILED_MESSAGE: Record<VmOperationKind, string> = {
  snapshot_create: "We couldn't take that snapshot. Nothing else changed; please try again.",
  snapshot_rollback: "We couldn't roll back to that snapshot. Your snapshot is kept; please try again, or contact support if it keeps failing.",
  snapshot_delete: "We couldn't delete that snapshot. It is still there; please try again.",
  backup_create: "We couldn't make that backup. Your VM is unchanged; please try again.",
  backup_restore: "We couldn't restore that backup. Our team has been told and will look at your VM.",
  rebuild: "We couldn't rebuild your VM. Our team has been told; you can try the rebuild again.",
};

/** The final failure (once): the operation failed, what it was making marked failed, what it was deleting kept. */
export async function failOperation(operationId: string, reason: string): Promise<boolean> {
  const op = await db.vmOperation.findUnique({ where: { id: operationId }, select: { kind: true, vmId: true, snapshotId: true, backupId: true } });
  if (!op) return false;
  const moved = await transitionOperation(operationId, ["pending", "running"], "failed", {
    error: reason.slice(0, 4000),
    customerMessage: reason.startsWith("refused: billing")
      ? "Snapshots and backups are blocked until the overdue invoice is paid (see Billing)."
      : FAILED_MESSAGE[op.kind],
    progressStep: null,
  });
  if (op.snapshotId && op.kind === "snapshot_create") await transitionSnapshot(op.snapshotId, "creating", "failed");
  if (op.snapshotId && op.kind === "snapshot_delete") await transitionSnapshot(op.snapshotId, "deleting", "ready");
  if (op.backupId && op.kind === "backup_create") await transitionBackup(op.backupId, "creating", "failed");
  if (moved) await recordAudit({ type: "system" }, `vm.${op.kind}_failed`, { type: "vm", id: op.vmId }, { operationId, reason: reason.slice(0, 1000) });
  return moved;
}

/** After a failure the machine may have changed anyway: re-read it for our record (best effort). */
export async function resyncAfterOperation(vmId: string): Promise<"running" | "stopped" | null> {
  const vm = await db.vm.findUnique({ where: { id: vmId }, select: { status: true, vmid: true, nodeName: true } });
  if (!vm || vm.vmid === null || !vm.nodeName || (vm.status !== "running" && vm.status !== "stopped")) return null;
  try {
    return await syncVmStatus(vmId, vm.nodeName, vm.vmid);
  } catch {
    return null;
  }
}
