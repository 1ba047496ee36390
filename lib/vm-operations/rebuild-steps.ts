// Rebuild (reinstall) a VM in place: the same Vm row, VMID, hostname, tunnel and DNS records; a
// fresh clone of the plan's image (or another image of its lab type), the customer's SSH keys as
// they were when they asked, a new password. Its snapshots are removed first (the customer was
// told), then the old system; the rest are provisioning's own steps (lib/provisioning/*), which
// check state before acting (I3). A final failure compensates like provisioning (I8): what the run
// created is destroyed, what the VM row owns (VMID, tunnel, DNS) stays for the retry.
import { ensurePower } from "@/lib/proxmox/machine";
import { recordAudit } from "@/lib/audit/record-audit";
import { billingGate } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import { getVmStatus } from "@/lib/proxmox/api";
import { findClusterVm } from "@/lib/proxmox/tasks";
import { destroyOwnedVm } from "@/lib/provisioning/cleanup-actions";
import { syncVmStatus } from "@/lib/power/run-power";
import { transitionVm } from "@/lib/vms/vm-state";
import { transitionOperation } from "@/lib/vm-operations/operation-state";
import { OperationHaltedError, setOperationProgress } from "@/lib/vm-operations/run-operation";
import { operationHolder, removeAllSnapshots } from "@/lib/vm-operations/snapshot-steps";

export type RebuildTarget = {
  operationId: string;
  vmId: string;
  orderId: string;
  userId: string;
  node: string;
  vmid: number;
  tunnelId: string | null;
  templateId: string | null;
  sshPublicKeys: string[];
};

type RebuildParams = { templateId?: string; sshPublicKeys?: string[]; destroyed?: boolean };

const paramsOf = async (operationId: string) =>
  (await db.vmOperation.findUniqueOrThrow({ where: { id: operationId }, select: { params: true } })).params as RebuildParams;

/** pending → running once; the VM shows "setting up" while it is rebuilt (power and console wait). */
export async function beginRebuild(operationId: string): Promise<RebuildTarget | null> {
  const op = await db.vmOperation.findUniqueOrThrow({
    where: { id: operationId },
    select: { kind: true, userId: true, vmId: true, vm: { select: { userId: true, orderId: true, vmid: true, nodeName: true, status: true, tunnelId: true } } },
  });
  if (op.kind !== "rebuild") throw new OperationHaltedError(`operation ${operationId} is not a rebuild`);
  const { vm } = op;
  if (op.userId !== vm.userId) throw new OperationHaltedError("vm owner is not the requester");
  if (vm.vmid === null || !vm.nodeName) throw new OperationHaltedError("vm has no vmid or node");
  // I6: a rebuild starts the VM; nothing starts a suspended one.
  if (!(await billingGate({ userId: vm.userId, vmId: op.vmId, action: "start" })).allowed) throw new OperationHaltedError("refused: billing (start)");
  const claimed = await transitionOperation(operationId, "pending", "running", { startedAt: new Date(), progressStep: "starting" });
  if (!claimed) {
    const now = await db.vmOperation.findUniqueOrThrow({ where: { id: operationId }, select: { status: true } });
    if (now.status !== "running") return null; // done, failed: another run had it
  }
  await transitionVm(op.vmId, ["running", "stopped", "failed", "provisioning"], "provisioning");
  const params = await paramsOf(operationId);
  if (!params.sshPublicKeys?.length) throw new OperationHaltedError("the rebuild has no SSH keys");
  return {
    operationId,
    vmId: op.vmId,
    orderId: vm.orderId,
    userId: vm.userId,
    node: vm.nodeName,
    vmid: vm.vmid,
    tunnelId: vm.tunnelId,
    templateId: params.templateId || null,
    sshPublicKeys: params.sshPublicKeys,
  };
}

/** Stops the old system hard (it is about to be wiped) and removes its snapshots. */
export async function clearOldSystem(target: RebuildTarget): Promise<{ snapshots: number }> {
  await setOperationProgress(target.operationId, "removing snapshots");
  const vm = await findClusterVm(target.vmid);
  if (!vm) return { snapshots: 0 };
  await ensurePower(target, "stopped", operationHolder(target.vmId, target.operationId, "stop"), "stop for rebuild");
  return { snapshots: await removeAllSnapshots(target.operationId, { id: target.vmId, node: target.node, vmid: target.vmid }) };
}

/**
 * Destroys the old system (only a VM carrying this order's marker, lib/provisioning/cleanup-actions),
 * then clears what provisioning's steps would otherwise take as done: the clone, the snippet
 * (rewritten with the new keys and password) and the password (a new one is made).
 */
export async function destroyOldSystem(target: RebuildTarget): Promise<string> {
  await setOperationProgress(target.operationId, "wiping");
  const params = await paramsOf(target.operationId);
  if (params.destroyed) return "already wiped";
  const detail = await destroyOwnedVm(target.orderId);
  await db.$transaction([
    db.vm.update({ where: { id: target.vmId }, data: { clonedAt: null, snippetPath: null, passwordCiphertext: null, nestedVirt: null, readyAt: null } }),
    db.vmOperation.update({ where: { id: target.operationId }, data: { params: { ...params, destroyed: true } } }),
  ]);
  return detail;
}

/** provisioning → running, the operation done, once. */
export async function finishRebuild(target: RebuildTarget): Promise<boolean> {
  await syncVmStatus(target.vmId, target.node, target.vmid).catch(() => null);
  await transitionVm(target.vmId, "provisioning", "running", { readyAt: new Date() });
  const moved = await transitionOperation(target.operationId, "running", "done", { progressStep: null });
  if (moved)
    await recordAudit(
      { type: "system" },
      "vm.rebuild_done",
      { type: "vm", id: target.vmId },
      { operationId: target.operationId, templateId: target.templateId },
    );
  return moved;
}

/**
 * After a final failure: a run that wiped the old system destroys its half-built clone (the VM is
 * `failed`, and a new rebuild starts clean); one that had not yet leaves the VM as it was.
 */
export async function compensateRebuild(operationId: string): Promise<string> {
  const op = await db.vmOperation.findUnique({
    where: { id: operationId },
    select: { vmId: true, params: true, vm: { select: { orderId: true, status: true } } },
  });
  if (!op) return "no operation";
  const params = op.params as RebuildParams;
  if (!params.destroyed) {
    const vm = await db.vm.findUniqueOrThrow({ where: { id: op.vmId }, select: { vmid: true, nodeName: true } });
    if (vm.vmid !== null && vm.nodeName) {
      const status = (await getVmStatus(vm.nodeName, vm.vmid).catch(() => null))?.status ?? "stopped";
      await transitionVm(op.vmId, ["provisioning", "failed"], status);
    }
    return "the old system was not touched";
  }
  const detail = await destroyOwnedVm(op.vm.orderId);
  await db.vm.update({ where: { id: op.vmId }, data: { clonedAt: null, snippetPath: null } });
  await transitionVm(op.vmId, ["provisioning", "failed"], "failed");
  return detail;
}
