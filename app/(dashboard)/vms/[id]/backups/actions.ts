"use server";
// Backups' actions: thin wrappers (session + zod) over lib/vm-operations (I2, I5).
import { notFound } from "next/navigation";
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { setBackupSchedule } from "@/lib/vm-operations/set-backup-schedule";
import { backupNowSchema, backupRestoreSchema, backupScheduleSchema } from "@/lib/vm-operations/operation-input";
import { queueFromForm } from "@/lib/vm-operations/queue-from-form";

export const setBackupScheduleAction = validatedActionWithUser(backupScheduleSchema, async (input, { user }) => {
  if (!(await setBackupSchedule(user.id, input.vmId, input.schedule))) notFound();
  revalidatePath(`/vms/${input.vmId}/backups`);
  return { status: "success", message: input.schedule === "none" ? "Scheduled backups are off." : `Backups will be made ${input.schedule}.` };
});
export const backUpNowAction = validatedActionWithUser(backupNowSchema, async (input, { user }) => {
  const state = await queueFromForm(user.id, input, { kind: "backup_create" });
  revalidatePath(`/vms/${input.vmId}/backups`);
  return state;
});
export const restoreBackupAction = validatedActionWithUser(backupRestoreSchema, async (input, { user }) => {
  const state = await queueFromForm(user.id, input, { kind: "backup_restore", backupId: input.backupId });
  revalidatePath(`/vms/${input.vmId}/backups`);
  return state;
});
