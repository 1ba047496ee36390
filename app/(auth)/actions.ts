"use server";
import { z } from "zod";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { DisabledAccountSignIn, RateLimitedSignIn, TwoFactorChallengeExpired, TwoFactorRequired, signIn, signOut } from "@/lib/auth";
import { signInSchema } from "@/lib/auth/authenticate";
import { registerUser, signUpSchema } from "@/lib/auth/register-user";
import { validatedAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { safeReturnPath } from "@/lib/auth/return-path";
import { clientIp } from "@/lib/auth/rate-limit";
import { forgotPasswordSchema, requestPasswordReset, resetPassword, resetPasswordSchema } from "@/lib/auth/password-reset";
import { queueVerificationEmail } from "@/lib/auth/email-verification";
import { codeSchema } from "@/lib/auth/two-factor";
import { deliverLater } from "@/lib/email/deliver-later";
import { enqueueEmail } from "@/lib/email/outbox";
import { customerEmails } from "@/lib/email/templates/customer";

const withNext = { next: z.string().optional() };
// The second sign-in step's challenge: httpOnly, only sent to the sign-in pages, ten minutes.
const CHALLENGE_COOKIE = "labvps-2fa";

export const signUpAction = validatedAction(signUpSchema.and(z.object(withNext)), async (data) => {
  const user = await registerUser(data);
  const welcome = `welcome:${user.id}`;
  await enqueueEmail({ key: welcome, to: user.email, ...customerEmails.welcome(user.name) });
  deliverLater([await queueVerificationEmail(user.id), welcome]);
  return signInOrExplain(data.email, data.password, data.next);
});

export const signInAction = validatedAction(signInSchema.extend(withNext), async (data) => signInOrExplain(data.email, data.password, data.next));

async function signInOrExplain(email: string, password: string, next?: string): Promise<FormState> {
  try {
    await signIn("credentials", { email, password, redirectTo: safeReturnPath(next) });
    return { status: "success" };
  } catch (error) {
    if (error instanceof TwoFactorRequired) {
      const jar = await cookies();
      jar.set(CHALLENGE_COOKIE, error.challenge, { httpOnly: true, sameSite: "lax", secure: await isHttps(), path: "/sign-in", maxAge: 600 });
      redirect(`/sign-in/two-factor${next ? `?next=${encodeURIComponent(safeReturnPath(next))}` : ""}`);
    }
    return explain(error, { email });
  }
}

function explain(error: unknown, values: Record<string, string>): FormState {
  if (error instanceof RateLimitedSignIn) {
    const minutes = error.retryAfterMinutes;
    return {
      status: "error",
      message: `Too many sign-in attempts. For your security, sign-in is paused; try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      values,
    };
  }
  if (error instanceof DisabledAccountSignIn)
    return { status: "error", message: "This account has been disabled. Contact us if you think this is a mistake.", values };
  // The same words for an unknown email and a wrong password: no account enumeration.
  if (error instanceof AuthError) return { status: "error", message: "Email or password is incorrect.", values };
  throw error; // includes the redirect that signs the user in
}

async function isHttps() {
  return (await headers()).get("x-forwarded-proto") === "https" || process.env.APP_URL?.startsWith("https://") === true;
}

export const twoFactorAction = validatedAction(z.object({ code: codeSchema, ...withNext }), async (data) => {
  const jar = await cookies();
  const challenge = jar.get(CHALLENGE_COOKIE)?.value;
  if (!challenge) return { status: "error", message: "This sign-in has expired. Sign in again with your password." };
  try {
    await signIn("credentials", { challenge, code: data.code, redirectTo: safeReturnPath(data.next) });
    return { status: "success" };
  } catch (error) {
    if (error instanceof TwoFactorChallengeExpired) {
      jar.delete({ name: CHALLENGE_COOKIE, path: "/sign-in" });
      return { status: "error", message: "This sign-in has expired. Sign in again with your password." };
    }
    if (error instanceof RateLimitedSignIn) return explain(error, {});
    if (error instanceof AuthError) return { status: "error", fieldErrors: { code: "That code is not right." } };
    // Signed in: the challenge is used up.
    jar.delete({ name: CHALLENGE_COOKIE, path: "/sign-in" });
    throw error;
  }
});

export const forgotPasswordAction = validatedAction(forgotPasswordSchema, async (data) => {
  const result = await requestPasswordReset(data.email, clientIp(await headers()));
  deliverLater([result.emailKey]);
  if (result.outcome === "limited") {
    const minutes = result.retryAfterMinutes ?? 60;
    return {
      status: "error",
      message: `Too many reset requests for this address or from your network. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    };
  }
  // The same words whether or not the address has an account.
  return {
    status: "success",
    message: `If an account uses ${data.email}, we have sent it a link to choose a new password. The link works once, for 30 minutes.`,
  };
});

export const resetPasswordAction = validatedAction(resetPasswordSchema, async (data) => {
  const result = await resetPassword(data);
  if (!result.ok) return { status: "error", message: "This link has expired or was already used. Ask for a new one." };
  deliverLater([result.emailKey]);
  // Never signed in by the link itself: sign in with the new password (and the code, with two-factor on).
  redirect("/sign-in?reset=1");
});

export async function signOutAction() {
  await signOut({ redirectTo: "/" });
}
