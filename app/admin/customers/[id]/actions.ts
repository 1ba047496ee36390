"use server";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { adminPowerSchema, requestPowerAsOperator } from "@/lib/admin/admin-vm-power";

export const adminPowerAction = validatedAdminAction(adminPowerSchema, async (input, { user }) => {
  await requestPowerAsOperator({ ...input, adminId: user.id });
  revalidatePath("/admin/customers");
  return { status: "success", message: `Queued: ${input.action}.` };
});
