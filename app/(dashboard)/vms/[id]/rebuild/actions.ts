"use server";
// Rebuild: a thin wrapper (session + zod) over lib/vm-operations (I2, I5). The form's request key
// makes a double submit one rebuild.
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { rebuildSchema } from "@/lib/vm-operations/operation-input";
import { queueFromForm } from "@/lib/vm-operations/queue-from-form";

export const rebuildAction = validatedActionWithUser(rebuildSchema, async (input, { user }) => {
  const state = await queueFromForm(user.id, input, { kind: "rebuild", templateId: input.templateId || null, confirmHostname: input.confirmHostname });
  revalidatePath(`/vms/${input.vmId}/rebuild`);
  return state;
});
