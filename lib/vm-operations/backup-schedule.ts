// Scheduled backups (issue 20): the customer picks daily or weekly; a tick (BACKUP_TICK_CRON) finds
// the VMs whose next backup is due by their node's own clock (`GET /nodes/{node}/time`: backups are
// named and dated by that clock, so the schedule and the listing never disagree) and records one
// backup operation per due slot (its request key is the slot, so a repeated tick adds none, I3).
// Billing gates it like "back up now" (I6); a VM busy with something else is tried at the next tick.
import { recordAudit } from "@/lib/audit/record-audit";
import { billingGate } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import type { BackupSchedule } from "@/lib/generated/prisma/client";
import { getNodeTime } from "@/lib/proxmox/api";
import { vmBusyWith } from "@/lib/vm-operations/vm-busy";

const DAY_MS = 86_400_000;
export const SCHEDULE_PERIOD_MS: Record<Exclude<BackupSchedule, "none">, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };

/** The first slot after `now` counting from `from` (a VM off for a week does not owe seven backups). */
export function nextSlot(schedule: Exclude<BackupSchedule, "none">, from: Date, now: Date): Date {
  const period = SCHEDULE_PERIOD_MS[schedule];
  const missed = Math.max(0, Math.floor((now.getTime() - from.getTime()) / period) + 1);
  return new Date(from.getTime() + missed * period);
}

export type QueuedBackup = { operationId: string; vmId: string };

/** One tick: due slots become backup operations; returns them for the function to send. */
export async function runBackupScheduleTick(): Promise<{ queued: QueuedBackup[]; skipped: Record<string, number> }> {
  const vms = await db.vm.findMany({
    where: { backupSchedule: { not: "none" }, status: { in: ["running", "stopped"] }, nodeName: { not: null }, vmid: { not: null } },
    select: { id: true, userId: true, nodeName: true, backupSchedule: true, nextBackupAt: true },
  });
  const queued: QueuedBackup[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
  const clocks = new Map<string, Date | null>();
  for (const vm of vms) {
    const node = vm.nodeName!;
    if (!clocks.has(node))
      clocks.set(
        node,
        await getNodeTime(node).then(
          (t) => new Date(t.time * 1000),
          () => null,
        ),
      );
    const now = clocks.get(node);
    if (!now) {
      skip("node clock unreachable");
      continue;
    }
    const schedule = vm.backupSchedule as Exclude<BackupSchedule, "none">;
    if (!vm.nextBackupAt) {
      await db.vm.updateMany({
        where: { id: vm.id, nextBackupAt: null, backupSchedule: schedule },
        data: { nextBackupAt: new Date(now.getTime() + SCHEDULE_PERIOD_MS[schedule]) },
      });
      continue;
    }
    if (vm.nextBackupAt > now) continue;
    if (!(await billingGate({ userId: vm.userId, vmId: vm.id, action: "backup" })).allowed) {
      skip("billing");
      continue;
    }
    const made = await queueScheduledBackup(vm.id, schedule, vm.nextBackupAt, now);
    if (made) queued.push(made);
    else skip("busy");
  }
  return { queued, skipped };
}

/** The slot's backup operation (once per slot), and the next slot, in one transaction that locks the VM row. */
async function queueScheduledBackup(vmId: string, schedule: Exclude<BackupSchedule, "none">, due: Date, now: Date): Promise<QueuedBackup | null> {
  return db.$transaction(async (tx) => {
    const [vm] = await tx.$queryRaw<Array<{ next_backup_at: Date | null }>>`SELECT next_backup_at FROM vms WHERE id = ${vmId} FOR UPDATE`;
    if (!vm || vm.next_backup_at?.getTime() !== due.getTime()) return null; // another tick took this slot
    if (await vmBusyWith(tx, vmId)) return null;
    const requestKey = `schedule:${vmId}:${due.toISOString()}`;
    if (await tx.vmOperation.findUnique({ where: { requestKey }, select: { id: true } })) return null;
    const backup = await tx.vmBackup.create({ data: { vmId, scheduled: true }, select: { id: true } });
    const operation = await tx.vmOperation.create({
      data: { vmId, userId: null, kind: "backup_create", openKey: vmId, requestKey, backupId: backup.id },
      select: { id: true },
    });
    await tx.vm.update({ where: { id: vmId }, data: { nextBackupAt: nextSlot(schedule, due, now) } });
    await recordAudit(
      { type: "system" },
      "vm.backup_create_requested",
      { type: "vm", id: vmId },
      { operationId: operation.id, scheduled: true, slot: due.toISOString() },
      tx,
    );
    return { operationId: operation.id, vmId };
  });
}
