// One pass of the webhook outbox (DESIGN §3, Webhook): claim recorded rows, send them to Inngest
// in one batch as `stripe/<type>` with the Stripe event id as the Inngest event id, mark them
// forwarded. Safe with any number of processes and crashes:
//   - the claim is one UPDATE over `FOR UPDATE SKIP LOCKED` rows that sets a lease (forward_after),
//     so two forwarders never pick the same row while its lease runs, and no transaction stays
//     open across the network send;
//   - a process that dies after claiming leaves a lease that simply expires, and the row is sent
//     again; so does a send whose answer was lost. Either way the id is the same, and Inngest
//     keeps one event per id within its 24 h de-duplication window, far longer than a lease (I3);
//   - a failed send backs the batch off exponentially (1 s doubling to 5 min) and it is retried
//     until it goes through.
import { db } from "@/lib/db";
import { inngest } from "@/lib/jobs/client";
import { stripeSignals } from "@/lib/jobs/events";
import { isHandledStripeEventType } from "@/lib/billing/stripe-event-types";
import { log } from "@/lib/observability/log";

export const FORWARD_BATCH_SIZE = 100;
/** Longer than any send should take; a send outliving it risks only a duplicate Inngest drops. */
export const FORWARD_LEASE_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 300;
/**
 * The SDK's send sets no deadline of its own: a connection that never answers would stall this
 * process's forwarder for good. Past this, the batch counts as failed and backs off; if the hung
 * send lands after all, the retry carries the same ids and Inngest drops the copies.
 */
const SEND_TIMEOUT_MS = 15_000;

type ClaimedRow = { id: string; type: string; objectId: string; created: number | null };

export type ForwardPass = { claimed: number; forwarded: number; failed: number };

export async function forwardPendingStripeEvents(opts: { batchSize?: number; leaseSeconds?: number; sendTimeoutMs?: number } = {}): Promise<ForwardPass> {
  const rows = await claimPendingStripeEvents(opts.batchSize ?? FORWARD_BATCH_SIZE, opts.leaseSeconds ?? FORWARD_LEASE_SECONDS);
  if (rows.length === 0) return { claimed: 0, forwarded: 0, failed: 0 };
  const events = rows.flatMap((row) => {
    // Recorded under an older catalogue and no longer handled: nothing listens any more.
    if (!isHandledStripeEventType(row.type)) return [];
    const data = { stripeEventId: row.id, type: row.type, objectId: row.objectId, created: row.created ?? 0 };
    return [stripeSignals[row.type].create(data, { id: row.id })];
  });
  const ids = rows.map((row) => row.id);
  const unhandled = rows.filter((row) => !isHandledStripeEventType(row.type)).map((row) => row.id);
  try {
    if (events.length > 0) await withTimeout(inngest.send(events), opts.sendTimeoutMs ?? SEND_TIMEOUT_MS);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await db.$executeRaw`
      UPDATE stripe_events SET forward_attempts = forward_attempts + 1, forward_error = ${reason.slice(0, 500)},
        forward_after = now() + make_interval(secs => LEAST(${MAX_BACKOFF_SECONDS}, power(2, forward_attempts)))
      WHERE id = ANY(${ids}) AND forwarded_at IS NULL`;
    log("stripe-forwarder").warn({ events: rows.length, stripeEventIds: ids, reason }, "could not send, will retry");
    return { claimed: rows.length, forwarded: 0, failed: rows.length };
  }
  await db.$executeRaw`
    UPDATE stripe_events SET forwarded_at = now(), forward_after = NULL, forward_error = NULL
    WHERE id = ANY(${ids}) AND forwarded_at IS NULL`;
  if (unhandled.length > 0) await db.stripeEvent.updateMany({ where: { id: { in: unhandled } }, data: { status: "ignored" } });
  return { claimed: rows.length, forwarded: events.length, failed: 0 };
}

function claimPendingStripeEvents(batchSize: number, leaseSeconds: number): Promise<ClaimedRow[]> {
  return db.$queryRaw<ClaimedRow[]>`
    UPDATE stripe_events SET forward_after = now() + make_interval(secs => ${leaseSeconds})
    WHERE id IN (
      SELECT id FROM stripe_events
      WHERE forwarded_at IS NULL AND status = 'received' AND object_id IS NOT NULL
        AND (forward_after IS NULL OR forward_after <= now())
      ORDER BY received_at
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, type, object_id AS "objectId", stripe_created AS "created"`;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Inngest did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
