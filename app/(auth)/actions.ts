"use server";
import { z } from "zod";
import { AuthError } from "next-auth";
import { DisabledAccountSignIn, RateLimitedSignIn, signIn, signOut } from "@/lib/auth";
import { signInSchema } from "@/lib/auth/authenticate";
import { registerUser, signUpSchema } from "@/lib/auth/register-user";
import { validatedAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { safeReturnPath } from "@/lib/auth/return-path";

const withNext = { next: z.string().optional() };

export const signUpAction = validatedAction(signUpSchema.and(z.object(withNext)), async (data) => {
  await registerUser(data);
  return signInOrExplain(data.email, data.password, data.next);
});

export const signInAction = validatedAction(signInSchema.extend(withNext), async (data) => signInOrExplain(data.email, data.password, data.next));

async function signInOrExplain(email: string, password: string, next?: string): Promise<FormState> {
  try {
    await signIn("credentials", { email, password, redirectTo: safeReturnPath(next) });
    return { status: "success" };
  } catch (error) {
    if (error instanceof RateLimitedSignIn) {
      const minutes = error.retryAfterMinutes;
      return {
        status: "error",
        message: `Too many sign-in attempts. For your security, sign-in is paused; try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
        values: { email },
      };
    }
    if (error instanceof DisabledAccountSignIn)
      return { status: "error", message: "This account has been disabled. Contact us if you think this is a mistake.", values: { email } };
    // The same words for an unknown email and a wrong password: no account enumeration.
    if (error instanceof AuthError) return { status: "error", message: "Email or password is incorrect.", values: { email } };
    throw error; // includes the redirect that signs the user in
  }
}

export async function signOutAction() {
  await signOut({ redirectTo: "/" });
}
