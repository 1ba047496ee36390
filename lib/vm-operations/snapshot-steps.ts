// The snapshot timeline's Proxmox work, one function per step. Each reads the machine first, so a
// re-run after a lost step result does nothing twice (I3): a snapshot that exists is not taken
// again, one that is gone is not deleted again; a task an earlier try started is on its lease.
import { billingGate } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import { createSnapshot, deleteSnapshot, getVmStatus, listSnapshots, rollbackSnapshot } from "@/lib/proxmox/api";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { runLeasedTaskToEnd, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { syncVmStatus } from "@/lib/power/run-power";
import { transitionSnapshot } from "@/lib/vm-operations/operation-state";
import { OperationHaltedError, setOperationProgress, type OperationTarget } from "@/lib/vm-operations/run-operation";

/** Lease holders: one Proxmox work slot per operation step (lib/proxmox/work-slots.ts). */
export const operationHolder = (vmId: string, operationId: string, what: string) => vmSlotHolder(vmId, `op:${operationId}:${what}`);

function snapshotOf(target: OperationTarget) {
  if (!target.snapshot) throw new OperationHaltedError("the operation has no snapshot");
  return target.snapshot;
}

const exists = async (target: OperationTarget, name: string) =>
  (await withLockRetry(() => listSnapshots(target.node, target.vmid))).find((s) => s.name === name);

/** Takes the snapshot (disk only, or with RAM where the plan allows and the VM runs) and records when. */
export async function takeSnapshot(target: OperationTarget): Promise<{ takenAt: string }> {
  const snapshot = snapshotOf(target);
  await setOperationProgress(target.operationId, "taking snapshot");
  await runLeasedTaskToEnd(operationHolder(target.vmId, target.operationId, "snapshot"), "snapshot", async () =>
    (await exists(target, snapshot.name))
      ? null
      : createSnapshot(target.node, target.vmid, { snapname: snapshot.name, description: snapshot.label, vmstate: snapshot.withRam }),
  );
  const made = await exists(target, snapshot.name);
  if (!made) throw new OperationHaltedError(`snapshot ${snapshot.name} is not listed after its task`);
  const takenAt = new Date((made.snaptime ?? Math.floor(Date.now() / 1000)) * 1000);
  await transitionSnapshot(snapshot.id, "creating", "ready", { takenAt });
  return { takenAt: takenAt.toISOString() };
}

/**
 * Rolls back: the VM is stopped and its disk (and config) go back to the snapshot's. A snapshot
 * with RAM resumes the VM running as it was; one without boots it fresh when it was running before,
 * unless billing forbids a start (I6: nothing automatic starts a suspended VM).
 */
export async function rollBack(target: OperationTarget): Promise<{ vmStatus: "running" | "stopped" }> {
  const snapshot = snapshotOf(target);
  await setOperationProgress(target.operationId, "rolling back");
  if (!(await exists(target, snapshot.name))) throw new OperationHaltedError(`snapshot ${snapshot.name} does not exist in Proxmox`);
  const stored = await db.vmOperation.findUniqueOrThrow({ where: { id: target.operationId }, select: { params: true } });
  let wasRunning = (stored.params as { wasRunning?: boolean }).wasRunning;
  if (wasRunning === undefined) {
    // Read once and kept: a re-run after the rollback must not see the stopped VM and decide otherwise.
    wasRunning = (await withLockRetry(() => getVmStatus(target.node, target.vmid))).status === "running";
    await db.vmOperation.update({ where: { id: target.operationId }, data: { params: { wasRunning } } });
  }
  const mayStart = wasRunning && !snapshot.withRam && (await billingGate({ userId: target.userId, vmId: target.vmId, action: "start" })).allowed;
  await runLeasedTaskToEnd(operationHolder(target.vmId, target.operationId, "rollback"), "rollback", () =>
    rollbackSnapshot(target.node, target.vmid, snapshot.name, mayStart),
  );
  return { vmStatus: await syncVmStatus(target.vmId, target.node, target.vmid) };
}

export async function removeSnapshot(target: OperationTarget): Promise<{ removed: boolean }> {
  const snapshot = snapshotOf(target);
  await setOperationProgress(target.operationId, "deleting snapshot");
  const removed = await runLeasedTaskToEnd(operationHolder(target.vmId, target.operationId, "delsnapshot"), "snapshot delete", async () =>
    (await exists(target, snapshot.name)) ? deleteSnapshot(target.node, target.vmid, snapshot.name) : null,
  );
  await transitionSnapshot(snapshot.id, ["deleting", "ready"], "deleted");
  return { removed };
}

/** Every snapshot of the VM, oldest last-first (rebuild removes them before the disk goes). */
export async function removeAllSnapshots(operationId: string, vm: { id: string; node: string; vmid: number }): Promise<number> {
  const listed = (await withLockRetry(() => listSnapshots(vm.node, vm.vmid))).filter((s) => s.name !== "current");
  // Children before parents: Proxmox deletes either, but this keeps the tree valid at every step.
  for (const snap of listed.reverse()) {
    await runLeasedTaskToEnd(operationHolder(vm.id, operationId, `delsnapshot:${snap.name}`), "snapshot delete", async () =>
      (await withLockRetry(() => listSnapshots(vm.node, vm.vmid))).some((s) => s.name === snap.name) ? deleteSnapshot(vm.node, vm.vmid, snap.name) : null,
    );
  }
  await db.vmSnapshot.updateMany({ where: { vmId: vm.id, status: { in: ["creating", "ready", "deleting", "failed"] } }, data: { status: "deleted" } });
  return listed.length;
}
