// Every email goes through the outbox: a row with a unique key is written first (insert-or-skip),
// then sent through Resend with that key as the idempotency key. A re-run finds the row already
// sent and does nothing; a crash between Resend's answer and our update is covered by Resend
// replaying the first answer for the same key. Together: exactly one email per key (I3).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { resend } from "@/lib/email/resend";
import type { EmailOutbox } from "@/lib/generated/prisma/client";

export type OutgoingEmail = { key: string; to: string; subject: string; html: string; text: string };

/** A delivery that failed; `permanent` when sending the same row again cannot succeed. */
export class EmailDeliveryError extends Error {
  constructor(
    readonly key: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(`email ${key} not sent: ${message}`);
    this.name = "EmailDeliveryError";
  }
}

/** Writes the row unless one with this key exists (then that one wins, unchanged). */
export async function enqueueEmail(email: OutgoingEmail): Promise<EmailOutbox> {
  await db.emailOutbox.createMany({ data: [email], skipDuplicates: true });
  return db.emailOutbox.findUniqueOrThrow({ where: { key: email.key } });
}

// Resend answers these for a request that will never be accepted as it is; others (rate limits,
// quotas, 5xx, network) are worth another try.
const PERMANENT = new Set(["validation_error", "missing_required_field", "invalid_from_address", "invalid_parameter", "invalid_idempotent_request"]);

/** Sends the row with this key unless it was sent already. Returns Resend's message id. */
export async function deliverEmail(key: string): Promise<{ providerId: string | null; alreadySent: boolean }> {
  const row = await db.emailOutbox.findUniqueOrThrow({ where: { key } });
  if (row.status === "sent") return { providerId: row.providerId, alreadySent: true };
  let outcome: Awaited<ReturnType<ReturnType<typeof resend>["emails"]["send"]>>;
  try {
    outcome = await resend().emails.send(
      { from: env().MAIL_FROM, to: row.to, subject: row.subject, html: row.html, text: row.text },
      { idempotencyKey: row.key },
    );
  } catch (error) {
    outcome = { data: null, error: { name: "application_error", message: (error as Error).message, statusCode: null }, headers: null };
  }
  if (outcome.error || !outcome.data) {
    const message = outcome.error ? `${outcome.error.name}: ${outcome.error.message}` : "no message id in the answer";
    const permanent = !!outcome.error && PERMANENT.has(outcome.error.name);
    await db.emailOutbox.update({
      where: { key },
      data: { attempts: { increment: 1 }, lastError: message, ...(permanent && { status: "failed" }) },
    });
    throw new EmailDeliveryError(key, message, permanent);
  }
  await db.emailOutbox.updateMany({
    where: { key, status: { not: "sent" } },
    data: { status: "sent", providerId: outcome.data.id, sentAt: new Date(), attempts: { increment: 1 }, lastError: null },
  });
  return { providerId: outcome.data.id, alreadySent: false };
}

/** Enqueue, then deliver: the usual way to send one email exactly once. */
export async function sendEmailOnce(email: OutgoingEmail) {
  await enqueueEmail(email);
  return deliverEmail(email.key);
}

/**
 * One delivery try for a queued row, for callers that pause and try again (Inngest sleeps) until
 * it is out: `done` once it was sent, or refused for good (sending it again cannot help).
 */
export async function tryDeliverEmail(key: string): Promise<{ done: boolean; detail: string }> {
  try {
    const sent = await deliverEmail(key);
    return { done: true, detail: sent.providerId ?? "sent" };
  } catch (error) {
    if (error instanceof EmailDeliveryError) return { done: error.permanent, detail: error.message };
    return { done: false, detail: (error as Error).message };
  }
}
