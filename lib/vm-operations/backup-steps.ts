// Backups' Proxmox work: vzdump to the VM's node's backup storage, the volume recorded from the
// storage's own listing (found by the owner tag in its notes, so an answer lost in transit is
// adopted, not repeated), the plan's retention applied, and a restore onto the same VM. Only
// backups recorded here are ever listed or removed: a VMID's next owner never sees this one's.
import { billingGate } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import { deleteVolume, getVmStatus, listBackups, restoreVm, vzdump, type BackupVolume } from "@/lib/proxmox/api";
import { ensurePower } from "@/lib/proxmox/machine";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { runLeasedTask, runLeasedTaskToEnd, type LeasedTaskResult, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { syncVmStatus } from "@/lib/power/run-power";
import { transitionBackup } from "@/lib/vm-operations/operation-state";
import { OperationHaltedError, setOperationProgress, type OperationTarget } from "@/lib/vm-operations/run-operation";
import { operationHolder } from "@/lib/vm-operations/snapshot-steps";

/** The backup's notes: the owner tag that finds it again (pve-manager vzdump `notes-template`). */
export const backupNotes = (vmId: string, backupId: string) => `labvps vm ${vmId} backup ${backupId}`;

async function backupStorageOf(node: string): Promise<string> {
  return (await db.proxmoxNode.findUniqueOrThrow({ where: { name: node }, select: { backupStorage: true } })).backupStorage;
}

async function findVolume(target: OperationTarget, storage: string, backupId: string): Promise<BackupVolume | undefined> {
  const notes = backupNotes(target.vmId, backupId);
  return (await listBackups(target.node, storage, target.vmid)).find((v) => (v.notes ?? "").trim() === notes);
}

/**
 * One step's worth of the vzdump task (it may run for minutes): started unless an earlier try did
 * (its UPID is on the lease, or the volume already exists), polled for up to `budgetMs`.
 */
export async function runBackup(target: OperationTarget, budgetMs = 45_000): Promise<LeasedTaskResult["state"]> {
  if (!target.backup) throw new OperationHaltedError("the operation has no backup");
  const backupId = target.backup.id;
  await setOperationProgress(target.operationId, "backing up");
  const storage = await backupStorageOf(target.node);
  const result = await runLeasedTask(
    operationHolder(target.vmId, target.operationId, "vzdump"),
    "backup",
    async () => {
      if (await findVolume(target, storage, backupId)) return null;
      const upid = await vzdump(target.node, { vmid: target.vmid, storage, notes: backupNotes(target.vmId, backupId) });
      // vzdump skips a guest that is not on the node it was asked on, and says only "OK".
      if (upid === "OK") throw new OperationHaltedError(`VM ${target.vmid} is not on ${target.node}: vzdump skipped it`);
      return upid;
    },
    { budgetMs },
  );
  return result.state;
}

/** Reads the new volume's name, size and time from the storage and marks the backup ready. */
export async function recordBackup(target: OperationTarget): Promise<{ volid: string; sizeBytes: number }> {
  if (!target.backup) throw new OperationHaltedError("the operation has no backup");
  const storage = await backupStorageOf(target.node);
  const volume = await findVolume(target, storage, target.backup.id);
  if (!volume) throw new OperationHaltedError("the backup task ended but no volume carries its notes");
  await transitionBackup(target.backup.id, "creating", "ready", {
    node: target.node,
    storage,
    volid: volume.volid,
    sizeBytes: BigInt(volume.size),
    takenAt: new Date(volume.ctime * 1000),
  });
  return { volid: volume.volid, sizeBytes: volume.size };
}

/** Removes one recorded backup's volume (gone already counts as done) and marks it deleted. */
export async function removeBackup(
  backup: { id: string; node: string | null; storage: string | null; volid: string | null; vmid: number },
  holder: string,
): Promise<void> {
  if (backup.node && backup.storage && backup.volid) {
    const { node, storage, volid } = backup;
    await runLeasedTaskToEnd(holder, "backup delete", async () =>
      (await listBackups(node, storage, backup.vmid)).some((v) => v.volid === volid) ? deleteVolume(node, storage, volid) : null,
    );
  }
  await transitionBackup(backup.id, ["ready", "deleting", "failed", "creating"], "deleted");
}

/** The plan's retention: the newest `backupRetention` ready backups stay, older ones go. */
export async function pruneBackups(target: OperationTarget): Promise<{ removed: number }> {
  await setOperationProgress(target.operationId, "removing old backups");
  const vm = await db.vm.findUniqueOrThrow({ where: { id: target.vmId }, select: { plan: { select: { backupRetention: true } } } });
  const ready = await db.vmBackup.findMany({ where: { vmId: target.vmId, status: "ready" }, orderBy: [{ takenAt: "desc" }, { createdAt: "desc" }] });
  const old = ready.slice(Math.max(0, vm.plan.backupRetention));
  for (const backup of old) await removeBackup({ ...backup, vmid: target.vmid }, operationHolder(target.vmId, target.operationId, `prune:${backup.id}`));
  return { removed: old.length };
}

/** Whether the VM was running before the restore stopped it: read once, kept on the operation. */
export async function recordPowerBefore(target: OperationTarget): Promise<boolean> {
  const stored = await db.vmOperation.findUniqueOrThrow({ where: { id: target.operationId }, select: { params: true } });
  const known = (stored.params as { wasRunning?: boolean }).wasRunning;
  if (known !== undefined) return known;
  const wasRunning = (await withLockRetry(() => getVmStatus(target.node, target.vmid))).status === "running";
  await db.vmOperation.update({ where: { id: target.operationId }, data: { params: { wasRunning } } });
  return wasRunning;
}

/** A restore overwrites: the VM is stopped hard first (its disk is about to be replaced). */
export async function stopForRestore(target: OperationTarget): Promise<boolean> {
  await setOperationProgress(target.operationId, "stopping");
  return ensurePower(target, "stopped", operationHolder(target.vmId, target.operationId, "stop"), "stop for restore");
}

/** One step's worth of the restore task; the VM's snapshots are gone with its old disks (qemu-server destroy_vm). */
export async function runRestore(target: OperationTarget, budgetMs = 45_000): Promise<LeasedTaskResult["state"]> {
  const backup = target.backup;
  if (!backup?.volid) throw new OperationHaltedError("the backup has no volume");
  const volid = backup.volid;
  await setOperationProgress(target.operationId, "restoring");
  const result = await runLeasedTask(operationHolder(target.vmId, target.operationId, "restore"), "restore", () => restoreVm(target.node, target.vmid, volid), {
    budgetMs,
  });
  if (result.state === "done") await db.vmSnapshot.updateMany({ where: { vmId: target.vmId, status: { not: "deleted" } }, data: { status: "deleted" } });
  return result.state;
}

/** Starts the VM again if it ran before, unless billing forbids a start (I6); records its state. */
export async function startAfterRestore(target: OperationTarget, wasRunning: boolean): Promise<"running" | "stopped"> {
  if (wasRunning && (await billingGate({ userId: target.userId, vmId: target.vmId, action: "start" })).allowed) {
    await setOperationProgress(target.operationId, "starting");
    await ensurePower(target, "running", operationHolder(target.vmId, target.operationId, "start"), "start after restore");
  }
  return syncVmStatus(target.vmId, target.node, target.vmid);
}

/**
 * The ladder's last rung (I6: deletion after retention and approval, and only then): every backup
 * this VM row recorded is removed with it. Found by our records, never by VMID, and before the
 * VMID goes back to the pool.
 */
export async function removeAllBackups(orderId: string): Promise<string> {
  const vm = await db.vm.findUnique({ where: { orderId }, select: { id: true, vmid: true } });
  if (!vm) return "no VM row, no backups";
  const backups = await db.vmBackup.findMany({ where: { vmId: vm.id, status: { not: "deleted" } } });
  for (const backup of backups) {
    const owner = Number(/vzdump-qemu-(\d+)-/.exec(backup.volid ?? "")?.[1] ?? vm.vmid ?? 0);
    await removeBackup({ ...backup, vmid: owner }, vmSlotHolder(vm.id, `backup-delete:${backup.id}`));
  }
  return `removed ${backups.length} backup(s)`;
}
