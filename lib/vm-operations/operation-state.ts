// The lab operation state machine (lib/state's shape) and the snapshot/backup item machine. Every
// writer moves a row with one conditional update, so of any number of concurrent callers exactly
// one wins (I3). An open operation holds `openKey` = its VM id (one open per VM); closing clears it.
import { db } from "@/lib/db";
import type { LabItemStatus, Prisma, VmOperationStatus } from "@/lib/generated/prisma/client";
import { defineStateMachine } from "@/lib/state/state-machine";

const operationMachine = defineStateMachine<VmOperationStatus>("vm operation", {
  pending: ["running", "failed"],
  running: ["done", "failed"],
  done: [],
  failed: ["pending"], // an operator's (or the customer's) retry of a failed rebuild
});

const itemMachine = defineStateMachine<LabItemStatus>("lab item", {
  creating: ["ready", "failed", "deleted"],
  ready: ["deleting", "deleted"],
  deleting: ["deleted", "ready", "failed"],
  deleted: [],
  failed: ["deleted"],
});

export const canTransitionOperation = operationMachine.can;
export const canTransitionLabItem = itemMachine.can;

type Client = Pick<typeof db, "vmOperation">;

/** Moves the operation; closing it (done/failed) frees the VM. False when it was not in `from`. */
export async function transitionOperation(
  operationId: string,
  from: VmOperationStatus | readonly VmOperationStatus[],
  to: VmOperationStatus,
  data: Omit<Prisma.VmOperationUpdateManyMutationInput, "status" | "openKey"> = {},
  client: Client = db,
): Promise<boolean> {
  const sources = operationMachine.sources(from, to);
  const closing = to === "done" || to === "failed";
  const { count } = await client.vmOperation.updateMany({
    where: { id: operationId, status: { in: sources } },
    data: { ...data, status: to, ...(closing ? { openKey: null, finishedAt: new Date() } : {}) },
  });
  return count === 1;
}

type ItemClient = Pick<typeof db, "vmSnapshot" | "vmBackup">;

export async function transitionSnapshot(
  snapshotId: string,
  from: LabItemStatus | readonly LabItemStatus[],
  to: LabItemStatus,
  data: Omit<Prisma.VmSnapshotUpdateManyMutationInput, "status"> = {},
  client: ItemClient = db,
): Promise<boolean> {
  const { count } = await client.vmSnapshot.updateMany({
    where: { id: snapshotId, status: { in: itemMachine.sources(from, to) } },
    data: { ...data, status: to },
  });
  return count === 1;
}

export async function transitionBackup(
  backupId: string,
  from: LabItemStatus | readonly LabItemStatus[],
  to: LabItemStatus,
  data: Omit<Prisma.VmBackupUpdateManyMutationInput, "status"> = {},
  client: ItemClient = db,
): Promise<boolean> {
  const { count } = await client.vmBackup.updateMany({ where: { id: backupId, status: { in: itemMachine.sources(from, to) } }, data: { ...data, status: to } });
  return count === 1;
}
