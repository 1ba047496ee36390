"use server";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { adminPowerSchema, requestPowerAsOperator } from "@/lib/admin/admin-vm-power";

const power = validatedAdminAction(adminPowerSchema, async (input, { user }) => {
  await requestPowerAsOperator({ ...input, adminId: user.id });
  revalidatePath("/admin/customers");
  return { status: "success", message: `Queued: ${input.action}.` };
});

export async function adminPowerAction(previous: FormState, formData: FormData): Promise<FormState> {
  return power(previous, formData);
}
