"use server";
// The snapshot timeline's actions: thin wrappers (session + zod) over lib/vm-operations (I2, I5).
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { snapshotCreateSchema, snapshotDeleteSchema, snapshotRollbackSchema } from "@/lib/vm-operations/operation-input";
import { queueFromForm } from "@/lib/vm-operations/queue-from-form";

export const takeSnapshotAction = validatedActionWithUser(snapshotCreateSchema, async (input, { user }) => {
  const state = await queueFromForm(user.id, input, { kind: "snapshot_create", label: input.label, description: input.description, withRam: input.withRam });
  revalidatePath(`/vms/${input.vmId}/snapshots`);
  return state;
});
export const rollbackSnapshotAction = validatedActionWithUser(snapshotRollbackSchema, async (input, { user }) => {
  const state = await queueFromForm(user.id, input, { kind: "snapshot_rollback", snapshotId: input.snapshotId });
  revalidatePath(`/vms/${input.vmId}/snapshots`);
  return state;
});
export const deleteSnapshotAction = validatedActionWithUser(snapshotDeleteSchema, async (input, { user }) => {
  const state = await queueFromForm(user.id, input, { kind: "snapshot_delete", snapshotId: input.snapshotId });
  revalidatePath(`/vms/${input.vmId}/snapshots`);
  return state;
});
