import { z } from "zod";
import { db } from "@/lib/db";
import { emailSchema } from "@/lib/auth/email";
import { decoyPasswordHash, verifyPassword } from "@/lib/auth/password";
import { checkLoginLimit, recordLoginAttempt } from "@/lib/auth/rate-limit";

export const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, "Enter your password.").max(128, "Use at most 128 characters."),
});

export type AuthenticateResult =
  | { ok: true; user: { id: string; email: string; name: string; role: "customer" | "admin" } }
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
  if (!user || !valid) return { ok: false, reason: "invalid" };
  // Said only to someone who knows the password: no hint about the account otherwise.
  if (user.disabledAt) return { ok: false, reason: "disabled" };
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
