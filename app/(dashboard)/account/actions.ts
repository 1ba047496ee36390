"use server";
import { headers } from "next/headers";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { changePassword, changePasswordSchema } from "@/lib/auth/change-password";
import { clientIp } from "@/lib/auth/rate-limit";
import { currentSessionToken } from "@/lib/auth/session";

const change = validatedActionWithUser(changePasswordSchema, async (input, { user }) => {
  const { endedSessions } = await changePassword({ userId: user.id, sessionToken: await currentSessionToken(), ip: clientIp(await headers()) }, input);
  const others = endedSessions === 1 ? "1 other session was" : `${endedSessions} other sessions were`;
  return { status: "success", message: `Password changed. ${endedSessions ? `${others} signed out.` : "You stay signed in here."}` };
});

export async function changePasswordAction(previous: FormState, formData: FormData): Promise<FormState> {
  return change(previous, formData);
}
