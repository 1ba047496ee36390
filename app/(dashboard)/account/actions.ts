"use server";
import { z } from "zod";
import { headers } from "next/headers";
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { UserFacingError } from "@/lib/errors";
import { changePassword, changePasswordSchema } from "@/lib/auth/change-password";
import { changeEmailSchema, requestEmailChange, resendVerificationEmail } from "@/lib/auth/email-verification";
import { clientIp } from "@/lib/auth/rate-limit";
import { currentSessionToken } from "@/lib/auth/session";
import { endOtherSessions, endOwnSession } from "@/lib/auth/sessions";
import { codeSchema, confirmTwoFactorEnrolment, disableTwoFactor, disableTwoFactorSchema, startTwoFactorEnrolment } from "@/lib/auth/two-factor";
import { deliverLater } from "@/lib/email/deliver-later";

export const changePasswordAction = validatedActionWithUser(changePasswordSchema, async (input, { user }) => {
  const { endedSessions, emailKey } = await changePassword(
    { userId: user.id, sessionToken: await currentSessionToken(), ip: clientIp(await headers()) },
    input,
  );
  deliverLater([emailKey]);
  revalidatePath("/account");
  const others = endedSessions === 1 ? "1 other session was" : `${endedSessions} other sessions were`;
  return { status: "success", message: `Password changed. ${endedSessions ? `${others} signed out.` : "You stay signed in here."}` };
});

export const changeEmailAction = validatedActionWithUser(changeEmailSchema, async (input, { user }) => {
  const { keys } = await requestEmailChange({ userId: user.id, ip: clientIp(await headers()) }, input);
  deliverLater(keys);
  return { status: "success", message: `We sent a link to ${input.newEmail}. Your address changes once you open it; until then we keep using ${user.email}.` };
});

export const resendVerificationAction = validatedActionWithUser(z.object({}), async (_input, { user }) => {
  const key = await resendVerificationEmail(user.id);
  if (!key) return { status: "success", message: "Your email address is already confirmed." };
  deliverLater([key]);
  return { status: "success", message: `We sent a new link to ${user.email}.` };
});

export const signOutSessionAction = validatedActionWithUser(z.object({ sessionId: z.string().min(1).max(64) }), async ({ sessionId }, { user }) => {
  if (!(await endOwnSession(user.id, sessionId))) throw new UserFacingError("That browser is already signed out.");
  revalidatePath("/account");
  return { status: "success", message: "Signed out." };
});

export const signOutOtherSessionsAction = validatedActionWithUser(z.object({}), async (_input, { user }) => {
  const ended = await endOtherSessions(user.id, await currentSessionToken());
  revalidatePath("/account");
  return { status: "success", message: ended ? `Signed out ${ended} other browser${ended === 1 ? "" : "s"}.` : "No other browser was signed in." };
});

export const startTwoFactorAction = validatedActionWithUser(z.object({}), async (_input, { user }) => {
  await startTwoFactorEnrolment(user.id);
  revalidatePath("/account/two-factor");
  return { status: "success" };
});

export const confirmTwoFactorAction = validatedActionWithUser(z.object({ code: codeSchema }), async ({ code }, { user }) => {
  const { recoveryCodes } = await confirmTwoFactorEnrolment(user.id, code);
  // Shown once, in this answer only; stored hashed.
  return { status: "success", message: "Two-factor sign-in is on.", values: { recoveryCodes: recoveryCodes.join(" ") } };
});

export const disableTwoFactorAction = validatedActionWithUser(disableTwoFactorSchema, async (input, { user }) => {
  await disableTwoFactor({ userId: user.id, ip: clientIp(await headers()) }, input);
  revalidatePath("/account");
  return { status: "success", message: "Two-factor sign-in is off." };
});
