import { z } from "zod";
import { db } from "@/lib/db";
import { emailSchema } from "@/lib/auth/email";
import { decoyPasswordHash, verifyPassword } from "@/lib/auth/password";
import { checkLoginLimit, recordLoginAttempt } from "@/lib/auth/rate-limit";
import { recordSecurityEvent } from "@/lib/auth/security-events";
import { env } from "@/lib/env";

export const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, "Enter your password.").max(128, "Use at most 128 characters."),
});

export type AuthenticateResult =
  | { ok: true; user: { id: string; email: string; name: string; role: "customer" | "admin" }; twoFactor: boolean }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "disabled" }
  | { ok: false; reason: "rate_limited"; retryAfterMinutes: number };

/** Checks credentials under the rate limit. Unknown email and wrong password are indistinguishable. */
export async function authenticate(input: unknown, ip: string): Promise<AuthenticateResult> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: "invalid" };
  const { email, password } = parsed.data;

  const limit = await checkLoginLimit(email, ip);
  if (limit.limited) return { ok: false, reason: "rate_limited", retryAfterMinutes: limit.retryAfterMinutes };

  const user = await db.user.findUnique({ where: { email }, omit: { passwordHash: false } });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
  await recordLoginAttempt(email, ip, Boolean(user && valid));
  if (!user || !valid) {
    if (user) await noteFailureBurst(user.id, email, ip);
    return { ok: false, reason: "invalid" };
  }
  // Said only to someone who knows the password: no hint about the account otherwise.
  if (user.disabledAt) return { ok: false, reason: "disabled" };
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role }, twoFactor: user.totpEnabledAt !== null };
}

/** The failure that reaches the per-address limit is a security event the customer sees. */
async function noteFailureBurst(userId: string, email: string, ip: string) {
  const limit = await checkLoginLimit(email, ip);
  if (!limit.limited) return;
  const since = new Date(Date.now() - env().LOGIN_WINDOW_MINUTES * 60_000);
  const noted = await db.auditEvent.count({ where: { subjectType: "user", subjectId: userId, action: "user.sign_in_failed_burst", createdAt: { gt: since } } });
  if (noted === 0) await recordSecurityEvent(userId, "user.sign_in_failed_burst");
}
