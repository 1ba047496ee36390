// The webhook route against the real database and the Inngest stand-in: requests are built here,
// signed the way Stripe signs them, and handed to the exported POST.
import { createServer } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { inngest } from "@/inngest/client";
import { inngestEvents } from "@/test/fixtures/checkout";
import { unique } from "@/test/fixtures/unique";
import { POST } from "./route";

const simUrls = inject("simUrls");
const secret = process.env.STRIPE_WEBHOOK_SECRET!;

function stripeEvent(type: string, objectId = `cs_test_route_${unique()}`) {
  return {
    id: `evt_route_${unique()}`,
    object: "event",
    api_version: "2026-01-28.dahlia",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: { id: objectId, object: type.split(".").slice(0, -1).join(".") } },
  };
}

function signedRequest(event: object, opts: { secret?: string; timestamp?: number; header?: string | null } = {}) {
  const payload = JSON.stringify(event);
  const header =
    opts.header !== undefined
      ? opts.header
      : stripe().webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? secret, timestamp: opts.timestamp });
  return new Request("http://localhost/api/webhooks/stripe", {
    method: "POST",
    body: payload,
    headers: { "content-type": "application/json", ...(header === null ? {} : { "stripe-signature": header }) },
  });
}

async function forwardedCopies(eventId: string) {
  return (await inngestEvents(simUrls.inngest)).filter((e) => e.id === eventId);
}

async function closedPortUrl() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("POST /api/webhooks/stripe", () => {
  afterEach(() => {
    inngest.setEnvVars({ INNGEST_DEV: process.env.INNGEST_DEV });
  });

  it("answers 400 to a body signed with another secret, and records nothing", async () => {
    const event = stripeEvent("checkout.session.completed");
    const response = await POST(signedRequest(event, { secret: "whsec_not_ours" }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "invalid signature" });
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
    expect(await forwardedCopies(event.id)).toEqual([]);
  });

  it("answers 400 when the signature header is missing or the body was altered", async () => {
    const event = stripeEvent("checkout.session.completed");
    expect((await POST(signedRequest(event, { header: null }))).status).toBe(400);
    const header = stripe().webhooks.generateTestHeaderString({ payload: JSON.stringify(event), secret });
    const tampered = new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      body: JSON.stringify({ ...event, type: "invoice.paid" }),
      headers: { "stripe-signature": header },
    });
    expect((await POST(tampered)).status).toBe(400);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
  });

  it("answers 400 to a correctly signed event older than 300 s (a replayed capture)", async () => {
    const event = stripeEvent("checkout.session.completed");
    const response = await POST(signedRequest(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    expect(response.status).toBe(400);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
    // Inside the window the same event is accepted: the 400 above was the timestamp, not the body.
    const fresh = await POST(signedRequest(event, { timestamp: Math.floor(Date.now() / 1000) - 200 }));
    expect(fresh.status).toBe(200);
  });

  it("acknowledges an event type outside the allow-list and forwards nothing", async () => {
    const event = stripeEvent("customer.created", "cus_route_test");
    const response = await POST(signedRequest(event));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, ignored: true });
    expect(await forwardedCopies(event.id)).toEqual([]);
    const row = await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(row).toMatchObject({ status: "ignored", forwardedAt: null });
  });

  it("I3: forwards an allowed event once, as stripe/<type> with the Stripe event id, and only ids", async () => {
    const event = stripeEvent("checkout.session.completed");
    const response = await POST(signedRequest(event));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    const [copy, ...more] = await forwardedCopies(event.id);
    expect(more).toEqual([]);
    expect(copy).toMatchObject({
      name: "stripe/checkout.session.completed",
      data: { stripeEventId: event.id, type: event.type, objectId: event.data.object.id, created: event.created },
    });
    expect(Object.keys(copy.data).sort()).toEqual(["created", "objectId", "stripeEventId", "type"]);
    const row = await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(row).toMatchObject({ type: event.type, status: "received" });
    expect(row.forwardedAt).toBeInstanceOf(Date);
  });

  it("I3: a duplicate event id is acknowledged without work, sequentially and concurrently", async () => {
    const event = stripeEvent("invoice.paid", "in_route_dup");
    expect((await POST(signedRequest(event))).status).toBe(200);
    const again = await POST(signedRequest(event));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    const copies = await forwardedCopies(event.id);
    expect(copies).toHaveLength(1);
    expect(copies[0].duplicates).toBe(0); // the second delivery did not even reach Inngest
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);

    // Stripe may deliver the same event to several instances at once: still one event downstream.
    const burst = stripeEvent("customer.subscription.updated", "sub_route_burst");
    const answers = await Promise.all(Array.from({ length: 4 }, () => POST(signedRequest(burst))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(await forwardedCopies(burst.id)).toHaveLength(1);
    expect(await db.stripeEvent.count({ where: { id: burst.id } })).toBe(1);
  });

  it("I3: answers 500 when Inngest cannot be reached, and the redelivery forwards it exactly once", async () => {
    const event = stripeEvent("checkout.session.completed");
    inngest.setEnvVars({ INNGEST_DEV: await closedPortUrl() });
    const failed = await POST(signedRequest(event));
    expect(failed.status).toBe(500);
    expect(JSON.stringify(await failed.json())).not.toContain(event.id);
    // Recorded, not forwarded: the redelivery must not be mistaken for a duplicate.
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ forwardedAt: null });
    expect(await forwardedCopies(event.id)).toEqual([]);

    inngest.setEnvVars({ INNGEST_DEV: process.env.INNGEST_DEV });
    const redelivered = await POST(signedRequest(event));
    expect(redelivered.status).toBe(200);
    expect(await redelivered.json()).toEqual({ received: true });
    expect(await forwardedCopies(event.id)).toHaveLength(1);
    expect((await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).forwardedAt).toBeInstanceOf(Date);

    const third = await POST(signedRequest(event));
    expect(await third.json()).toEqual({ received: true, duplicate: true });
    expect(await forwardedCopies(event.id)).toHaveLength(1);
  });
});
