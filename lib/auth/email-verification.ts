// Proving an address is the customer's: a 24-hour single-use link at sign-up (re-sendable under a
// rate limit), and for a change of address a link to the NEW address that must be used before it
// replaces the old one; the old address is told when the change is asked for and when it is done.
import { z } from "zod";
import { db } from "@/lib/db";
import { FieldError, UserFacingError } from "@/lib/errors";
import { emailSchema } from "@/lib/auth/email";
import { onUserEmailChanged } from "@/lib/auth/email-changed";
import { verifyPassword } from "@/lib/auth/password";
import { checkLoginLimit, recordLoginAttempt } from "@/lib/auth/rate-limit";
import { takeRateLimit } from "@/lib/auth/rate-events";
import { recordSecurityEvent } from "@/lib/auth/security-events";
import { consumeToken, issueToken } from "@/lib/auth/tokens";
import { enqueueEmail } from "@/lib/email/outbox";
import { customerEmails } from "@/lib/email/templates/customer";
import { Prisma } from "@/lib/generated/prisma/client";

export const UNVERIFIED_CHECKOUT_REASON =
  "Before your first order we need to know this address is yours: your invoices, the VM's access details and any billing notice go there. Open the link we emailed you, then come back to pay.";

/** Checkout is refused until the customer's address is confirmed (said in words on the page). */
export function assertEmailVerified(user: { emailVerified: Date | null }) {
  if (!user.emailVerified) throw new UserFacingError(`Please confirm your email address first. ${UNVERIFIED_CHECKOUT_REASON}`);
}

export const VERIFY_RESEND_LIMITS = { perHour: 3, perMinute: 1 };

/** Queues the verification email (a fresh link; older ones stop working). Returns the outbox key. */
export async function queueVerificationEmail(userId: string, now = new Date()): Promise<string | null> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, name: true, email: true, emailVerified: true } });
  if (user.emailVerified) return null;
  const token = await issueToken(user.id, "verify_email", user.email, now);
  const key = `verify-email:${user.id}:${now.getTime()}`;
  await enqueueEmail({ key, to: user.email, ...customerEmails.verifyEmail(user.name, user.email, token) });
  return key;
}

/** "Send the link again", at most once a minute and three times an hour. */
export async function resendVerificationEmail(userId: string, now = new Date()): Promise<string | null> {
  const limit = await takeRateLimit(
    [
      { bucket: "verify_resend_minute", key: userId, max: VERIFY_RESEND_LIMITS.perMinute, windowMinutes: 1 },
      { bucket: "verify_resend_hour", key: userId, max: VERIFY_RESEND_LIMITS.perHour, windowMinutes: 60 },
    ],
    now,
  );
  if (limit.limited)
    throw new UserFacingError(
      `We sent a link a moment ago. You can ask for another in ${limit.retryAfterMinutes} minute${limit.retryAfterMinutes === 1 ? "" : "s"}.`,
    );
  return queueVerificationEmail(userId, now);
}

/** Uses a verification link: the address it was sent to is now verified (if it is still the account's). */
export async function verifyEmail(token: string, now = new Date()): Promise<{ ok: boolean }> {
  const row = await consumeToken(token, "verify_email", now);
  if (!row) return { ok: false };
  const { count } = await db.user.updateMany({ where: { id: row.userId, email: row.email }, data: { emailVerified: now } });
  if (count === 1) await recordSecurityEvent(row.userId, "user.email_verified");
  return { ok: count === 1 };
}

export const changeEmailSchema = z.object({
  newEmail: emailSchema,
  password: z.string().min(1, "Enter your password.").max(128, "Use at most 128 characters."),
});

/** Sends a link to the new address (and a notice to the old one); nothing changes until it is used. */
export async function requestEmailChange(who: { userId: string; ip: string }, input: z.output<typeof changeEmailSchema>, now = new Date()) {
  const user = await db.user.findUniqueOrThrow({ where: { id: who.userId }, omit: { passwordHash: false } });
  if (input.newEmail === user.email) throw new FieldError("newEmail", "That is already your address.");
  const limit = await checkLoginLimit(user.email, who.ip, now);
  if (limit.limited)
    throw new UserFacingError(`Too many wrong passwords. Try again in ${limit.retryAfterMinutes} minute${limit.retryAfterMinutes === 1 ? "" : "s"}.`);
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    await recordLoginAttempt(user.email, who.ip, false);
    throw new FieldError("password", "This is not your password.");
  }
  if (await db.user.findUnique({ where: { email: input.newEmail }, select: { id: true } })) {
    throw new FieldError("newEmail", "Another account uses this address.");
  }
  const token = await issueToken(user.id, "change_email", input.newEmail, now);
  const confirmKey = `email-change:${user.id}:${now.getTime()}`;
  const noticeKey = `email-change-notice:${user.id}:${now.getTime()}`;
  await enqueueEmail({ key: confirmKey, to: input.newEmail, ...customerEmails.emailChangeConfirm(user.name, input.newEmail, token) });
  await enqueueEmail({ key: noticeKey, to: user.email, ...customerEmails.emailChangeRequested(user.name, input.newEmail) });
  await recordSecurityEvent(user.id, "user.email_change_requested");
  return { keys: [confirmKey, noticeKey] };
}

/** Uses the link sent to the new address: it replaces the old one, verified; the old one is told. */
export async function confirmEmailChange(token: string, now = new Date()): Promise<{ ok: boolean; reason?: string; keys: string[] }> {
  const row = await consumeToken(token, "change_email", now);
  if (!row) return { ok: false, keys: [] };
  const before = await db.user.findUniqueOrThrow({ where: { id: row.userId }, select: { email: true, name: true } });
  try {
    await db.user.update({ where: { id: row.userId }, data: { email: row.email, emailVerified: now } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      return { ok: false, reason: "Another account started using this address meanwhile.", keys: [] };
    }
    throw error;
  }
  await recordSecurityEvent(row.userId, "user.email_changed");
  const key = `email-changed:${row.userId}:${now.getTime()}`;
  await enqueueEmail({ key, to: before.email, ...customerEmails.emailChanged(before.name, row.email) });
  await onUserEmailChanged(row.userId, now);
  return { ok: true, keys: [key] };
}
