// What the Stripe webhook does with one delivery (DESIGN §3): verify the signature on the raw
// body, record the event id once, forward a `stripe/<type>` signal to Inngest with the Stripe
// event id as the Inngest event id, and say how it went. Any failure to record or forward throws,
// and the route answers 5xx so Stripe redelivers; the redelivery finishes the job (I3).
import type Stripe from "stripe";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { isHandledStripeEventType } from "@/lib/billing/stripe-event-types";
import { inngest } from "@/inngest/client";
import { stripeEventName, type StripeSignal } from "@/inngest/events";

/** Stripe's own default: older signatures are refused, so a captured request cannot be replayed. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type ReceiveOutcome =
  | { kind: "invalid-signature" }
  | { kind: "ignored"; id: string; type: string }
  | { kind: "duplicate"; id: string; type: string }
  | { kind: "forwarded"; id: string; type: string };

export async function receiveStripeEvent(rawBody: string, signature: string | null): Promise<ReceiveOutcome> {
  const event = verifyStripeEvent(rawBody, signature);
  if (!event) return { kind: "invalid-signature" };
  const { id, type } = event;

  if (!isHandledStripeEventType(type)) {
    // Kept for the operator's view of what Stripe sends; no work follows from it.
    await db.stripeEvent.createMany({ data: [{ id, type, status: "ignored" }], skipDuplicates: true });
    return { kind: "ignored", id, type };
  }

  // A delivery we already forwarded is acknowledged without work. Stripe redelivers for days,
  // longer than Inngest's id de-duplication window, so this check is ours, not Inngest's.
  const existing = await db.stripeEvent.findUnique({ where: { id }, select: { forwardedAt: true } });
  if (existing?.forwardedAt) return { kind: "duplicate", id, type };

  // Forward first, then record in one statement: the webhook's cost is one read, one send and
  // one write. If the write fails after the send, the route answers 5xx, Stripe redelivers, and
  // the repeated send carries the same Inngest event id, so Inngest keeps one (I3). Two concurrent
  // deliveries of one event both reach here; the same id makes that harmless too.
  try {
    await forwardStripeEvent(event);
  } catch (error) {
    // Leave a trace for the operator (received, not forwarded); Stripe's redelivery finishes it.
    await db.stripeEvent.createMany({ data: [{ id, type }], skipDuplicates: true }).catch(() => undefined);
    throw error;
  }
  await db.$executeRaw`
    INSERT INTO stripe_events (id, type, status, forwarded_at) VALUES (${id}, ${type}, 'received', now())
    ON CONFLICT (id) DO UPDATE SET forwarded_at = COALESCE(stripe_events.forwarded_at, EXCLUDED.forwarded_at)`;
  console.info(`[stripe webhook] forwarded ${type} ${id}`);
  return { kind: "forwarded", id, type };
}

function verifyStripeEvent(rawBody: string, signature: string | null): Stripe.Event | null {
  if (!signature) return null;
  try {
    return stripe().webhooks.constructEvent(rawBody, signature, env().STRIPE_WEBHOOK_SECRET, SIGNATURE_TOLERANCE_SECONDS);
  } catch {
    // Bad, stale or malformed: the reason is Stripe's business, not something to log with the body.
    return null;
  }
}

/**
 * Only ids travel: handlers re-read the object from Stripe before acting. Concurrent deliveries of
 * one event may both get here; the shared Inngest event id makes Inngest keep just one.
 */
async function forwardStripeEvent(event: Stripe.Event) {
  const data: StripeSignal = {
    stripeEventId: event.id,
    type: event.type,
    objectId: (event.data.object as { id: string }).id,
    created: event.created,
  };
  await inngest.send({ id: event.id, name: stripeEventName(event.type), data });
}

/** Called by the Inngest functions once a forwarded event's work is done (or found unnecessary). */
export async function markStripeEventProcessed(stripeEventId: string) {
  await db.stripeEvent.updateMany({ where: { id: stripeEventId }, data: { status: "processed", processedAt: new Date(), error: null } });
}

/** Called when a function gave up on an event; `reason` is operator-facing, never shown to customers. */
export async function markStripeEventFailed(stripeEventId: string, reason: string) {
  await db.stripeEvent.updateMany({ where: { id: stripeEventId }, data: { status: "error", error: reason.slice(0, 1000) } });
}

/**
 * The webhook's answer to one delivery as status + JSON body, shared by the Next route and the
 * custom server's fast path (server.ts) so both answer exactly alike.
 */
export async function answerStripeWebhook(rawBody: string, signature: string | null): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const outcome = await receiveStripeEvent(rawBody, signature);
    switch (outcome.kind) {
      case "invalid-signature":
        return { status: 400, body: { error: "invalid signature" } };
      case "ignored":
        return { status: 200, body: { received: true, ignored: true } };
      case "duplicate":
        return { status: 200, body: { received: true, duplicate: true } };
      case "forwarded":
        return { status: 200, body: { received: true } };
    }
  } catch (error) {
    // A 5xx makes Stripe redeliver; the redelivery finishes the job. Only our own errors reach
    // here (database, Inngest), never the payload: safe to log.
    console.error(`[stripe webhook] could not record or forward: ${error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`);
    return { status: 500, body: { error: "temporarily unavailable" } };
  }
}
