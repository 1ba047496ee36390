"use server";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { disableUser, disableUserSchema } from "@/lib/admin/disable-user";
import { enableUser, enableUserSchema } from "@/lib/admin/enable-user";

// disableUser refuses the operator's own account and an already disabled one (UserFacingError), and audits.
const disable = validatedAdminAction(disableUserSchema, async ({ userId }, { user }) => {
  const { endedSessions } = await disableUser({ userId, adminId: user.id });
  revalidatePath("/admin");
  revalidatePath(`/admin/customers/${userId}`);
  return { status: "success", message: `Disabled; ${endedSessions} session${endedSessions === 1 ? "" : "s"} ended.` };
});

export async function disableUserAction(previous: FormState, formData: FormData): Promise<FormState> {
  return disable(previous, formData);
}

const enable = validatedAdminAction(enableUserSchema, async ({ userId }, { user }) => {
  await enableUser({ userId, adminId: user.id });
  revalidatePath("/admin");
  revalidatePath(`/admin/customers/${userId}`);
  return { status: "success", message: "Enabled: they can sign in again." };
});

export async function enableUserAction(previous: FormState, formData: FormData): Promise<FormState> {
  return enable(previous, formData);
}
