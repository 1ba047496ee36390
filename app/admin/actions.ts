"use server";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { disableUser, disableUserSchema } from "@/lib/admin/disable-user";
import { enableUser, enableUserSchema } from "@/lib/admin/enable-user";

// disableUser refuses the operator's own account and an already disabled one (UserFacingError), and audits.
export const disableUserAction = validatedAdminAction(disableUserSchema, async ({ userId }, { user }) => {
  const { endedSessions } = await disableUser({ userId, adminId: user.id });
  revalidatePath("/admin");
  revalidatePath(`/admin/customers/${userId}`);
  return { status: "success", message: `Disabled; ${endedSessions} session${endedSessions === 1 ? "" : "s"} ended.` };
});

export const enableUserAction = validatedAdminAction(enableUserSchema, async ({ userId }, { user }) => {
  await enableUser({ userId, adminId: user.id });
  revalidatePath("/admin");
  revalidatePath(`/admin/customers/${userId}`);
  return { status: "success", message: "Enabled: they can sign in again." };
});
