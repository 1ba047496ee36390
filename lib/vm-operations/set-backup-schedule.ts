// The customer's backup schedule (daily, weekly or none). No Proxmox call here (I2): the backup
// tick sets the first slot from the VM's node clock (lib/vm-operations/backup-schedule.ts).
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import type { BackupSchedule } from "@/lib/generated/prisma/client";

/** False when the VM is not the user's (the page answers 404, I5). */
export async function setBackupSchedule(userId: string, vmId: string, schedule: BackupSchedule): Promise<boolean> {
  const { count } = await db.vm.updateMany({
    where: { id: vmId, userId, status: { not: "destroyed" } },
    data: { backupSchedule: schedule, nextBackupAt: null },
  });
  if (count) await recordAudit({ type: "customer", id: userId }, "vm.backup_schedule_set", { type: "vm", id: vmId }, { schedule });
  return count === 1;
}
