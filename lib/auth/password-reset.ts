// "Forgot password?": a single-use link (lib/auth/tokens.ts, 30 minutes) by email, then a new
// password. The request answers the same, in the same time, whether or not the address has an
// account (the email is queued and sent after the response); it is rate-limited per address and
// per client (counted for unknown addresses too, so the limit tells nothing either). Using the
// link signs every session out and never signs anyone in: with two-factor on, the second factor
// is still asked at the next sign-in.
import { z } from "zod";
import { db } from "@/lib/db";
import { emailSchema } from "@/lib/auth/email";
import { enqueueEmail } from "@/lib/email/outbox";
import { customerEmails } from "@/lib/email/templates/customer";
import { endUserSessions } from "@/lib/auth/auth-session";
import { hashPassword, passwordSchema } from "@/lib/auth/password";
import { takeRateLimit } from "@/lib/auth/rate-events";
import { recordSecurityEvent } from "@/lib/auth/security-events";
import { consumeToken, issueToken, revokeTokens } from "@/lib/auth/tokens";

export const forgotPasswordSchema = z.object({ email: emailSchema });

export const resetPasswordSchema = z
  .object({
    token: z.string().min(1, "This link is incomplete.").max(100),
    newPassword: passwordSchema,
    confirmPassword: z.string().max(128, "Use at most 128 characters."),
  })
  .refine((d) => d.newPassword === d.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords are not the same." });

export const RESET_LIMITS = { perAddressPerHour: 3, perClientPerHour: 10 };
// Every request takes at least this long, account or not, email or not.
const ANSWER_FLOOR_MS = 400;

export type ResetRequestResult = { outcome: "sent" | "limited"; retryAfterMinutes?: number; emailKey: string | null };

export async function requestPasswordReset(email: string, ip: string, now = new Date()): Promise<ResetRequestResult> {
  const started = Date.now();
  const result = await requestOnce(email, ip, now);
  const left = ANSWER_FLOOR_MS - (Date.now() - started);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  return result;
}

async function requestOnce(email: string, ip: string, now: Date): Promise<ResetRequestResult> {
  const limit = await takeRateLimit(
    [
      { bucket: "password_reset_address", key: email, max: RESET_LIMITS.perAddressPerHour, windowMinutes: 60 },
      { bucket: "password_reset_client", key: ip, max: RESET_LIMITS.perClientPerHour, windowMinutes: 60 },
    ],
    now,
  );
  if (limit.limited) return { outcome: "limited", retryAfterMinutes: limit.retryAfterMinutes, emailKey: null };
  const user = await db.user.findUnique({ where: { email }, select: { id: true, name: true, email: true, disabledAt: true } });
  if (!user || user.disabledAt) return { outcome: "sent", emailKey: null };
  const token = await issueToken(user.id, "password_reset", user.email, now);
  const key = `password-reset:${user.id}:${now.getTime()}`;
  await enqueueEmail({ key, to: user.email, ...customerEmails.passwordReset(user.name, token) });
  await recordSecurityEvent(user.id, "user.password_reset_requested");
  return { outcome: "sent", emailKey: key };
}

export type ResetOutcome = { ok: true; twoFactor: boolean; emailKey: string } | { ok: false };

/** Sets the new password if the link is live; ends every session of the account. */
export async function resetPassword(input: z.output<typeof resetPasswordSchema>, now = new Date()): Promise<ResetOutcome> {
  const passwordHash = await hashPassword(input.newPassword);
  return db.$transaction(async (tx) => {
    const token = await consumeToken(input.token, "password_reset", now, tx);
    if (!token) return { ok: false };
    const user = await tx.user.update({
      where: { id: token.userId },
      data: { passwordHash },
      select: { id: true, name: true, email: true, totpEnabledAt: true },
    });
    await revokeTokens(user.id, "password_reset", now, tx);
    const endedSessions = await endUserSessions(user.id, undefined, tx);
    await recordSecurityEvent(user.id, "user.password_reset", { endedSessions }, tx);
    const key = `password-changed:${user.id}:${now.getTime()}`;
    await tx.emailOutbox.createMany({ data: [{ key, to: user.email, ...customerEmails.passwordChanged(user.name, now) }], skipDuplicates: true });
    return { ok: true, twoFactor: user.totpEnabledAt !== null, emailKey: key };
  });
}
