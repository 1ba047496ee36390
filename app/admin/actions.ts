"use server";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { disableUser, disableUserSchema } from "@/lib/admin/disable-user";

// disableUser refuses the operator's own account and an already disabled one (UserFacingError), and audits.
const disable = validatedAdminAction(disableUserSchema, async ({ userId }, { user }) => {
  const { endedSessions } = await disableUser({ userId, adminId: user.id });
  revalidatePath("/admin");
  return { status: "success", message: `Disabled; ${endedSessions} session${endedSessions === 1 ? "" : "s"} ended.` };
});

export async function disableUserAction(previous: FormState, formData: FormData): Promise<FormState> {
  return disable(previous, formData);
}
