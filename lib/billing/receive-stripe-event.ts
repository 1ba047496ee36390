// What the Stripe webhook does with one delivery (DESIGN §3): verify the signature on the raw
// body, record the event once (the row is the outbox), and say how it went. Nothing else happens
// before the answer: the forwarder (lib/billing/stripe-forwarder.ts) sends the recorded row to
// Inngest afterwards, so the acknowledgement costs one signature check and one INSERT. A failed
// INSERT throws and the delivery is answered 5xx, so Stripe redelivers (I3).
import type Stripe from "stripe";
import { db, sqlPool } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { isHandledStripeEventType } from "@/lib/billing/stripe-event-types";
import { wakeStripeForwarder } from "@/lib/billing/stripe-forwarder";
import { errorFields, log } from "@/lib/observability/log";
import { metrics } from "@/lib/observability/metrics";
import { noteInvalidSignature } from "@/lib/alerts/signature-bursts";

/** Stripe's own default: older signatures are refused, so a captured request cannot be replayed. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type ReceiveOutcome =
  | { kind: "invalid-signature" }
  | { kind: "ignored"; id: string; type: string }
  | { kind: "duplicate"; id: string; type: string }
  | { kind: "recorded"; id: string; type: string };

export async function receiveStripeEvent(rawBody: string, signature: string | null): Promise<ReceiveOutcome> {
  const event = verifyStripeEvent(rawBody, signature);
  if (!event) return { kind: "invalid-signature" };
  const { id, type } = event;
  const objectId = (event.data.object as { id?: unknown }).id;
  // Types outside the catalogue are kept for the operator's view of what Stripe sends; no work
  // follows from them. A handled type without an object id cannot be forwarded (handlers re-read
  // that object): it is kept as an error for the operator rather than sent to fail downstream.
  const handled = isHandledStripeEventType(type);
  const status = !handled ? "ignored" : typeof objectId === "string" ? "received" : "error";
  const error = status === "error" ? "event has no data.object.id" : null;
  // One statement, one row per Stripe id: a redelivery (Stripe retries for days, longer than
  // Inngest's de-duplication window) or a concurrent copy inserts nothing and is told so. Plain
  // pg on Prisma's own pool: this is the statement the acknowledgement waits for (see sqlPool).
  const { rowCount } = await sqlPool().query(
    `INSERT INTO stripe_events (id, type, status, error, object_id, stripe_created)
     VALUES ($1, $2, $3::"StripeEventStatus", $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [id, type, status, error, typeof objectId === "string" ? objectId : null, event.created],
  );
  const inserted = rowCount ?? 0;
  if (!handled) return { kind: "ignored", id, type };
  if (inserted === 0) return { kind: "duplicate", id, type };
  if (status === "received") wakeStripeForwarder();
  return { kind: "recorded", id, type };
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

/** Called by the Inngest functions once a forwarded event's work is done (or found unnecessary). */
export async function markStripeEventProcessed(stripeEventId: string) {
  await db.stripeEvent.updateMany({ where: { id: stripeEventId }, data: { status: "processed", processedAt: new Date(), error: null } });
}

/** Called when a function gave up on an event; `reason` is operator-facing, never shown to customers. */
export async function markStripeEventFailed(stripeEventId: string, reason: string) {
  await db.stripeEvent.updateMany({ where: { id: stripeEventId }, data: { status: "error", error: reason.slice(0, 1000) } });
}

export type WebhookAnswer = { status: number; body: Record<string, unknown> };

/** The webhook's answer to one delivery as status + JSON body (lib/billing/stripe-webhook-http.ts serves it). */
export async function answerStripeWebhook(rawBody: string, signature: string | null): Promise<WebhookAnswer> {
  try {
    const outcome = await receiveStripeEvent(rawBody, signature);
    metrics().webhookDeliveries.inc({ type: outcome.kind === "invalid-signature" ? "unknown" : outcome.type, outcome: outcome.kind.replace("-", "_") });
    if (outcome.kind !== "invalid-signature")
      log("stripe-webhook").info({ stripeEventId: outcome.id, type: outcome.type, outcome: outcome.kind }, "webhook delivery");
    else {
      log("stripe-webhook").warn({ outcome: "invalid_signature" }, "webhook delivery refused: invalid signature");
      noteInvalidSignature();
    }
    switch (outcome.kind) {
      case "invalid-signature":
        return { status: 400, body: { error: "invalid signature" } };
      case "ignored":
        return { status: 200, body: { received: true, ignored: true } };
      case "duplicate":
        return { status: 200, body: { received: true, duplicate: true } };
      case "recorded":
        return { status: 200, body: { received: true } };
    }
  } catch (error) {
    // A 5xx makes Stripe redeliver. Only our own errors reach here (the database), never the
    // payload: safe to log.
    log("stripe-webhook").error(errorFields(error), "could not record the delivery");
    return { status: 500, body: { error: "temporarily unavailable" } };
  }
}
