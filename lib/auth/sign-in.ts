// What happens around a successful sign-in, whichever factor completed it: the session row (with
// the browser's user agent for /account), the security event, and a "new sign-in" email when the
// device was never seen on this account. And the second step: after the password, an account with
// two-factor gets a short-lived single-use challenge (lib/auth/tokens.ts) instead of a session;
// the code then completes it.
import { db } from "@/lib/db";
import { startSession } from "@/lib/auth/auth-session";
import { describeDevice } from "@/lib/auth/device";
import { recordSecurityEvent } from "@/lib/auth/security-events";
import { consumeToken, findLiveToken, issueToken } from "@/lib/auth/tokens";
import { verifySecondFactor, type SecondFactorResult } from "@/lib/auth/two-factor";
import { enqueueEmail } from "@/lib/email/outbox";
import { customerEmails } from "@/lib/email/templates/customer";

export type SignedIn = { sid: string; newDeviceEmailKey: string | null };

export async function completeSignIn(user: { id: string; email: string; name: string }, userAgent: string | null, now = new Date()): Promise<SignedIn> {
  const device = describeDevice(userAgent);
  const earlier = await db.auditEvent.findMany({
    where: { subjectType: "user", subjectId: user.id, action: "user.signed_in" },
    select: { data: true },
    orderBy: { createdAt: "desc" },
    take: 200,
  });
  const sid = await startSession(user.id, now, userAgent);
  await recordSecurityEvent(user.id, "user.signed_in", { device });
  const known = earlier.some((e) => (e.data as { device?: unknown } | null)?.device === device);
  // The very first sign-in (at sign-up) is not news; a device never seen before is.
  if (earlier.length === 0 || known) return { sid, newDeviceEmailKey: null };
  const key = `new-device:${user.id}:${now.getTime()}`;
  await enqueueEmail({ key, to: user.email, ...customerEmails.newDeviceSignIn(user.name, device, now) });
  return { sid, newDeviceEmailKey: key };
}

export function createTwoFactorChallenge(user: { id: string; email: string }): Promise<string> {
  return issueToken(user.id, "two_factor_sign_in", user.email);
}

export type ChallengeResult =
  | { ok: true; user: { id: string; email: string; name: string; role: "customer" | "admin" } }
  | { ok: false; reason: "expired" }
  | Exclude<SecondFactorResult, { ok: true }>;

/** The second step: a live challenge and a right code give the user; the challenge is then used up. */
export async function completeTwoFactorChallenge(challenge: unknown, code: unknown, ip: string): Promise<ChallengeResult> {
  const row = await findLiveToken(challenge, "two_factor_sign_in");
  if (!row || typeof code !== "string") return { ok: false, reason: "expired" };
  const checked = await verifySecondFactor(row.userId, code, ip);
  if (!checked.ok) return checked;
  if (!(await consumeToken(challenge, "two_factor_sign_in"))) return { ok: false, reason: "expired" };
  const user = await db.user.findUniqueOrThrow({ where: { id: row.userId }, select: { id: true, email: true, name: true, role: true, disabledAt: true } });
  if (user.disabledAt) return { ok: false, reason: "expired" };
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
