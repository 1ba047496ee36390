"use server";
import { z } from "zod";
import { redirect } from "next/navigation";
import { validatedAction } from "@/lib/actions/validated-action";
import { confirmEmailChange, verifyEmail } from "@/lib/auth/email-verification";
import { deliverLater } from "@/lib/email/deliver-later";

const tokenSchema = z.object({ token: z.string().min(1).max(100) });

export const verifyEmailAction = validatedAction(tokenSchema, async ({ token }) => {
  const { ok } = await verifyEmail(token);
  if (!ok) return { status: "error", message: "This link has expired or was already used. Sign in and ask for a new one from your dashboard." };
  redirect("/dashboard?verified=1");
});

export const confirmEmailChangeAction = validatedAction(tokenSchema, async ({ token }) => {
  const result = await confirmEmailChange(token);
  if (!result.ok) return { status: "error", message: result.reason ?? "This link has expired or was already used. Ask for a new one on your account page." };
  deliverLater(result.keys);
  return { status: "success", message: "Your new email address is confirmed and now in use." };
});
