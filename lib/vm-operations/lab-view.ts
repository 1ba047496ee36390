// What a customer may see of their lab: snapshots newest first, backups with size and date, the
// schedule, the latest operation in their words, and the images a rebuild may use. Built from
// explicit selects: node, storage, volume ids and operator errors never reach a page (I4). Every
// loader is scoped to the owner: another user's VM is null, and the page answers 404 (I5).
import { billingGate } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import type { BackupSchedule, LabItemStatus, VmOperationKind, VmOperationStatus, VmStatus } from "@/lib/generated/prisma/client";

export type SnapshotView = { id: string; label: string; description: string; withRam: boolean; status: LabItemStatus; takenAt: string | null };
export type BackupView = { id: string; sizeBytes: number | null; takenAt: string | null; scheduled: boolean; status: LabItemStatus };
export type OperationView = { id: string; kind: VmOperationKind; status: VmOperationStatus; active: boolean; message: string };
export type ImageView = { id: string; name: string; isDefault: boolean };

export type LabView = {
  vm: { id: string; name: string; status: VmStatus; backupSchedule: BackupSchedule; nestedVirt: boolean | null };
  plan: { snapshotLimit: number; snapshotWithRam: boolean; backupRetention: number };
  snapshots: SnapshotView[];
  backups: BackupView[];
  operation: OperationView | null;
  /** Billing (I6): whether snapshots and backups may be taken now, and why not. */
  gate: { allowed: true } | { allowed: false; message: string };
  images: ImageView[];
};

const RUNNING: Record<VmOperationKind, string> = {
  snapshot_create: "Taking a snapshot…",
  snapshot_rollback: "Rolling back to a snapshot…",
  snapshot_delete: "Deleting a snapshot…",
  backup_create: "Backing up…",
  backup_restore: "Restoring a backup…",
  rebuild: "Rebuilding your VM…",
};
const DONE: Record<VmOperationKind, string> = {
  snapshot_create: "Snapshot taken.",
  snapshot_rollback: "Rolled back to the snapshot.",
  snapshot_delete: "Snapshot deleted.",
  backup_create: "Backup made.",
  backup_restore: "Backup restored.",
  rebuild: "Your VM was rebuilt: a fresh system with your current SSH keys and a new password.",
};

/** The customer's sentence for an operation: from its kind and state, or its customer message (never `error`). */
export function operationMessage(op: { kind: VmOperationKind; status: VmOperationStatus; customerMessage: string | null }): string {
  if (op.status === "pending") return `Queued: ${RUNNING[op.kind].charAt(0).toLowerCase()}${RUNNING[op.kind].slice(1)}`;
  if (op.status === "running") return RUNNING[op.kind];
  if (op.status === "done") return DONE[op.kind];
  return op.customerMessage ?? "That did not work. Please try again.";
}

export async function loadLabView(userId: string, vmId: string): Promise<LabView | null> {
  const vm = await db.vm.findFirst({
    where: { id: vmId, userId, status: { not: "destroyed" } },
    select: {
      id: true,
      name: true,
      status: true,
      labType: true,
      nodeName: true,
      backupSchedule: true,
      nestedVirt: true,
      plan: { select: { snapshotLimit: true, snapshotWithRam: true, backupRetention: true } },
    },
  });
  if (!vm) return null;
  const [snapshots, backups, operation, gate, images] = await Promise.all([
    db.vmSnapshot.findMany({
      where: { vmId, status: { in: ["creating", "ready", "deleting"] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, label: true, description: true, withRam: true, status: true, takenAt: true },
    }),
    db.vmBackup.findMany({
      where: { vmId, status: { in: ["creating", "ready", "deleting"] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, sizeBytes: true, takenAt: true, scheduled: true, status: true },
    }),
    db.vmOperation.findFirst({
      where: { vmId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, kind: true, status: true, customerMessage: true },
    }),
    billingGate({ userId, vmId, action: "snapshot" }),
    vm.nodeName
      ? db.template.findMany({
          where: { labType: vm.labType, node: { name: vm.nodeName } },
          orderBy: [{ isDefault: "desc" }, { createdAt: "asc" }],
          select: { id: true, name: true, isDefault: true },
        })
      : [],
  ]);
  return {
    vm: { id: vm.id, name: vm.name, status: vm.status, backupSchedule: vm.backupSchedule, nestedVirt: vm.nestedVirt },
    plan: vm.plan,
    snapshots: snapshots.map((s) => ({ ...s, takenAt: s.takenAt?.toISOString() ?? null })),
    backups: backups.map((b) => ({ ...b, sizeBytes: b.sizeBytes === null ? null : Number(b.sizeBytes), takenAt: b.takenAt?.toISOString() ?? null })),
    operation: operation
      ? {
          id: operation.id,
          kind: operation.kind,
          status: operation.status,
          active: operation.status === "pending" || operation.status === "running",
          message: operationMessage(operation),
        }
      : null,
    gate,
    images: images.map((i, n) => ({ id: i.id, name: i.name || `Image ${n + 1}`, isDefault: i.isDefault })),
  };
}
