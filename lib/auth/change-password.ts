// A signed-in user changes their password: the current one is checked under the sign-in rate limit
// (a stolen session must not become a password-guessing oracle), and every other session of the
// account ends, so a browser someone else holds is signed out.
import { z } from "zod";
import { db } from "@/lib/db";
import { FieldError, UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { endUserSessions } from "@/lib/auth/auth-session";
import { hashPassword, passwordSchema, verifyPassword } from "@/lib/auth/password";
import { checkLoginLimit, recordLoginAttempt } from "@/lib/auth/rate-limit";
import { revokeTokens } from "@/lib/auth/tokens";
import { customerEmails } from "@/lib/email/templates/customer";

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password.").max(128, "Use at most 128 characters."),
    newPassword: passwordSchema,
    confirmPassword: z.string().max(128, "Use at most 128 characters."),
  })
  .refine((d) => d.newPassword === d.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords are not the same." })
  .refine((d) => d.newPassword !== d.currentPassword, { path: ["newPassword"], message: "Choose a password you have not used here." });

export type ChangePasswordInput = z.output<typeof changePasswordSchema>;

export async function changePassword(who: { userId: string; sessionToken: string | null; ip: string }, input: ChangePasswordInput) {
  const user = await db.user.findUniqueOrThrow({ where: { id: who.userId }, omit: { passwordHash: false } });
  const limit = await checkLoginLimit(user.email, who.ip);
  if (limit.limited)
    throw new UserFacingError(`Too many wrong passwords. Try again in ${limit.retryAfterMinutes} minute${limit.retryAfterMinutes === 1 ? "" : "s"}.`);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await recordLoginAttempt(user.email, who.ip, false);
    throw new FieldError("currentPassword", "This is not your current password.");
  }
  const passwordHash = await hashPassword(input.newPassword);
  const now = new Date();
  return db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    const endedSessions = await endUserSessions(user.id, who.sessionToken ?? undefined, tx);
    // A reset link asked for before the change stops working.
    await revokeTokens(user.id, "password_reset", now, tx);
    await recordAudit({ type: "customer", id: user.id }, "user.password_changed", { type: "user", id: user.id }, { endedSessions }, tx);
    const emailKey = `password-changed:${user.id}:${now.getTime()}`;
    await tx.emailOutbox.createMany({ data: [{ key: emailKey, to: user.email, ...customerEmails.passwordChanged(user.name, now) }], skipDuplicates: true });
    return { endedSessions, emailKey };
  });
}
