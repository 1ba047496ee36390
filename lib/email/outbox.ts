// Every email goes through the outbox: a row with a unique key is written first (insert-or-skip),
// then sent through Resend with that key as the idempotency key. A re-run finds the row already
// sent and does nothing; a crash between Resend's answer and our update is covered by Resend
// replaying the first answer for the same key. Together: exactly one email per key (I3).
import { db } from "@/lib/db";
import type { SaysStepRetry, StepRetry } from "@/lib/errors";
import { env } from "@/lib/env";
import { resend } from "@/lib/email/resend";
import { recordAudit } from "@/lib/audit/record-audit";
import { classifyProviderError, isFinal, type DeliveryFailure } from "@/lib/email/delivery-errors";
import { openMailIncident, resolveMailIncident } from "@/lib/email/mail-incident";
import { sleep, waitForSendSlot } from "@/lib/email/pace";
import type { EmailOutbox } from "@/lib/generated/prisma/client";

export type OutgoingEmail = { key: string; to: string; subject: string; html: string; text: string };

/** A delivery that failed; `permanent` when sending the same row again cannot succeed. */
export class EmailDeliveryError extends Error implements SaysStepRetry {
  readonly permanent: boolean;
  constructor(
    readonly key: string,
    message: string,
    readonly failure: DeliveryFailure,
  ) {
    super(`email ${key} not sent: ${message}`);
    this.name = "EmailDeliveryError";
    this.permanent = isFinal(failure);
  }

  get stepRetry(): StepRetry {
    return this.permanent ? "permanent" : "retry";
  }
}

/** Writes the row unless one with this key exists (then that one wins, unchanged). */
export async function enqueueEmail(email: OutgoingEmail): Promise<EmailOutbox> {
  await db.emailOutbox.createMany({ data: [email], skipDuplicates: true });
  return db.emailOutbox.findUniqueOrThrow({ where: { key: email.key } });
}

// A 429 that slips past the pacer (another app on the same Resend team) is waited out here,
// Retry-After capped so one call stays short; after that the row waits for the next try.
const RATE_LIMIT_TRIES = 3;
const MAX_RETRY_AFTER_MS = 2000;

type SendOutcome = Awaited<ReturnType<ReturnType<typeof resend>["emails"]["send"]>>;

async function sendRow(row: EmailOutbox): Promise<SendOutcome> {
  await waitForSendSlot();
  try {
    return await resend().emails.send({ from: env().MAIL_FROM, to: row.to, subject: row.subject, html: row.html, text: row.text }, { idempotencyKey: row.key });
  } catch (error) {
    return { data: null, error: { name: "application_error", message: (error as Error).message, statusCode: null }, headers: null };
  }
}

function retryAfterMs(headers: Record<string, string> | null): number {
  const seconds = Number(headers?.["retry-after"]);
  return Math.min(MAX_RETRY_AFTER_MS, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
}

/** Sends the row with this key unless it was sent already. Returns Resend's message id. */
export async function deliverEmail(key: string): Promise<{ providerId: string | null; alreadySent: boolean }> {
  const row = await db.emailOutbox.findUniqueOrThrow({ where: { key } });
  if (row.status === "sent") return { providerId: row.providerId, alreadySent: true };
  if (row.status === "failed") throw new EmailDeliveryError(key, row.lastError ?? "failed", "rejected");
  let outcome = await sendRow(row);
  for (let tries = 1; tries < RATE_LIMIT_TRIES && outcome.error?.name === "rate_limit_exceeded"; tries++) {
    await sleep(retryAfterMs(outcome.headers));
    outcome = await sendRow(row);
  }
  if (outcome.error || !outcome.data) {
    const message = outcome.error ? `${outcome.error.name}: ${outcome.error.message}` : "no message id in the answer";
    const failure: DeliveryFailure = outcome.error ? classifyProviderError(outcome.error) : "transient";
    const final = isFinal(failure);
    // Only a final failure leaves `pending`: a configuration error keeps the row for after the fix.
    await db.emailOutbox.updateMany({
      where: { key, status: "pending" },
      data: { attempts: { increment: 1 }, lastError: message, ...(final && { status: "failed" }) },
    });
    if (failure === "configuration") await openMailIncident(message);
    if (failure === "rejected") {
      await recordAudit({ type: "system" }, "mail.rejected", { type: "email", id: row.id }, { key, error: message });
      console.error(`[mail] Resend rejected email ${key} as malformed: ${message}`);
    }
    throw new EmailDeliveryError(key, message, failure);
  }
  await db.emailOutbox.updateMany({
    where: { key, status: { not: "sent" } },
    data: { status: "sent", providerId: outcome.data.id, sentAt: new Date(), attempts: { increment: 1 }, lastError: null },
  });
  await resolveMailIncident();
  return { providerId: outcome.data.id, alreadySent: false };
}

/**
 * Enqueue, then deliver: the usual way to send one email exactly once. A send that did not go out
 * but may later (an outage, a mail incident) is `queued`: the row waits and the outbox drainer
 * sends it, so the caller's own work does not fail over an email. Only a final refusal throws.
 */
export async function sendEmailOnce(email: OutgoingEmail): Promise<{ providerId: string | null; alreadySent: boolean; queued?: true }> {
  await enqueueEmail(email);
  try {
    return await deliverEmail(email.key);
  } catch (error) {
    if (error instanceof EmailDeliveryError && !error.permanent) return { providerId: null, alreadySent: false, queued: true };
    throw error;
  }
}

/**
 * One delivery try for a queued row, for callers that pause and try again (Inngest sleeps) until
 * it is out: `done` once it was sent, refused for good, or held by a mail incident (the operator
 * is alerted and the outbox drainer sends it after the fix; retrying here would only add noise).
 */
export async function tryDeliverEmail(key: string): Promise<{ done: boolean; detail: string; held?: true }> {
  try {
    const sent = await deliverEmail(key);
    return { done: true, detail: sent.providerId ?? "sent" };
  } catch (error) {
    if (error instanceof EmailDeliveryError) {
      const held = error.failure === "configuration";
      if (held) return { done: true, held: true, detail: `held until the mail configuration is fixed: ${error.message}` };
      return { done: error.permanent, detail: error.message };
    }
    return { done: false, detail: (error as Error).message };
  }
}
