// The Stripe webhook against the real database and the Inngest stand-in, through both of its entry
// points: the Next route handler (plain `next start`) and server.ts's node:http path. Every test
// runs in both modes: the limits and answers must not depend on how the server was started.
import http from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { inngest } from "@/lib/jobs/client";
import { inngestEvents } from "@/test/fixtures/checkout";
import { stripeEventBody } from "@/test/fixtures/stripe-event";
import { unique } from "@/test/fixtures/unique";
import { forwardPendingStripeEvents } from "@/lib/billing/forward-stripe-events";
import { MAX_WEBHOOK_BODY_BYTES, serveStripeWebhook } from "@/lib/billing/stripe-webhook-http";
import { startStripeForwarder } from "@/lib/billing/stripe-forwarder";
import { POST } from "./route";

const simUrls = inject("simUrls");
const secret = process.env.STRIPE_WEBHOOK_SECRET!;

function stripeEvent(type: string, objectId = `cs_test_route_${unique()}`) {
  return stripeEventBody({ id: `evt_route_${unique()}`, type, object: { id: objectId, object: type.split(".").slice(0, -1).join(".") } });
}

type Delivery = { body: string | Buffer; headers: Record<string, string> };
type Answer = { status: number; json: Record<string, unknown> };

function signed(event: object, opts: { secret?: string; timestamp?: number; header?: string | null } = {}): Delivery {
  const payload = JSON.stringify(event);
  const header =
    opts.header !== undefined ? opts.header : stripe().webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? secret, timestamp: opts.timestamp });
  return { body: payload, headers: { "content-type": "application/json", ...(header === null ? {} : { "stripe-signature": header }) } };
}

let nodeServer: http.Server;
let nodeOrigin = "";
beforeAll(async () => {
  nodeServer = http.createServer((req, res) => void serveStripeWebhook(req, res));
  await new Promise<void>((resolve) => nodeServer.listen(0, "127.0.0.1", resolve));
  nodeOrigin = `http://127.0.0.1:${(nodeServer.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => nodeServer.close(() => resolve())));

/** Sends with node:http so a chunked body (no Content-Length) can be streamed, as a client may. */
function postNode(delivery: Delivery, opts: { chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(delivery.body);
    const headers = opts.chunked ? delivery.headers : { ...delivery.headers, "content-length": String(body.length) };
    const req = http.request(`${nodeOrigin}/api/webhooks/stripe`, { method: "POST", headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text || "{}") }));
    });
    // An early 413 closes the socket while the client is still writing: only the answer matters.
    req.on("error", (error) => (req.destroyed && !req.writableEnded ? undefined : reject(error)));
    if (opts.chunked) for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    else req.write(body);
    req.end();
  });
}

async function postRoute(delivery: Delivery, opts: { chunked?: boolean } = {}): Promise<Answer> {
  const bytes = Buffer.from(delivery.body);
  const body = opts.chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
          controller.close();
        },
      })
    : bytes;
  const headers = opts.chunked ? delivery.headers : { ...delivery.headers, "content-length": String(bytes.length) };
  const response = await POST(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body, headers, duplex: "half" } as RequestInit));
  return { status: response.status, json: await response.json() };
}

async function forwardedCopies(eventId: string) {
  return (await inngestEvents(simUrls.inngest)).filter((e) => e.id === eventId);
}

async function closedPortUrl() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe.each([
  { mode: "Next route (plain next start)", post: postRoute },
  { mode: "server.ts node:http path", post: postNode },
])("Stripe webhook via $mode", ({ post }) => {
  afterEach(() => {
    inngest.setEnvVars({ INNGEST_DEV: process.env.INNGEST_DEV });
  });

  it("answers 400 to a body signed with another secret, and records nothing", async () => {
    const event = stripeEvent("checkout.session.completed");
    expect(await post(signed(event, { secret: "whsec_not_ours" }))).toEqual({ status: 400, json: { error: "invalid signature" } });
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
  });

  it("answers 400 when the signature header is missing or the body was altered", async () => {
    const event = stripeEvent("checkout.session.completed");
    expect((await post(signed(event, { header: null }))).status).toBe(400);
    const header = stripe().webhooks.generateTestHeaderString({ payload: JSON.stringify(event), secret });
    const tampered = signed({ ...event, type: "invoice.paid" }, { header });
    expect((await post(tampered)).status).toBe(400);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
  });

  it("answers 400 to a correctly signed event older than 300 s (a replayed capture)", async () => {
    const event = stripeEvent("checkout.session.completed");
    expect((await post(signed(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }))).status).toBe(400);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
    // Inside the window the same event is accepted: the 400 above was the timestamp, not the body.
    expect((await post(signed(event, { timestamp: Math.floor(Date.now() / 1000) - 200 }))).status).toBe(200);
  });

  it("I10: refuses a body over the cap with 413, declared or chunked, and records nothing", async () => {
    const event = { ...stripeEvent("checkout.session.completed"), padding: "x".repeat(MAX_WEBHOOK_BODY_BYTES) };
    const delivery = signed(event);
    expect(await post(delivery)).toEqual({ status: 413, json: { error: "payload too large" } });
    expect(await post(delivery, { chunked: true })).toEqual({ status: 413, json: { error: "payload too large" } });
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
    // Just under the cap is an ordinary delivery: the limit is the size, not the padding.
    const fits = { ...stripeEvent("checkout.session.completed"), padding: "x".repeat(MAX_WEBHOOK_BODY_BYTES - 2000) };
    expect((await post(signed(fits), { chunked: true })).status).toBe(200);
  });

  it("acknowledges an event type outside the allow-list and never forwards it", async () => {
    const event = stripeEvent("customer.created", "cus_route_test");
    expect(await post(signed(event))).toEqual({ status: 200, json: { received: true, ignored: true } });
    await forwardPendingStripeEvents();
    expect(await forwardedCopies(event.id)).toEqual([]);
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ status: "ignored", forwardedAt: null });
  });

  it("I3: acknowledges after recording only; the forwarder sends stripe/<type> once, with the Stripe id and only ids", async () => {
    const event = stripeEvent("checkout.session.completed");
    expect(await post(signed(event))).toEqual({ status: 200, json: { received: true } });
    // Acknowledged = durably recorded, with everything the forwarder needs; nothing sent yet.
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      type: event.type,
      status: "received",
      objectId: event.data.object.id,
      stripeCreated: event.created,
      forwardedAt: null,
    });
    expect(await forwardedCopies(event.id)).toEqual([]);

    await forwardPendingStripeEvents();
    const [copy, ...more] = await forwardedCopies(event.id);
    expect(more).toEqual([]);
    expect(copy).toMatchObject({
      name: "stripe/checkout.session.completed",
      data: { stripeEventId: event.id, type: event.type, objectId: event.data.object.id, created: event.created },
    });
    expect(Object.keys(copy.data).sort()).toEqual(["created", "objectId", "stripeEventId", "type"]);
    expect((await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).forwardedAt).toBeInstanceOf(Date);
    await forwardPendingStripeEvents();
    expect((await forwardedCopies(event.id))[0].duplicates).toBe(0); // a forwarded row is not sent again
  });

  it("I3: a duplicate event id is acknowledged without work, sequentially and concurrently", async () => {
    const event = stripeEvent("invoice.paid", "in_route_dup");
    expect((await post(signed(event))).status).toBe(200);
    expect(await post(signed(event))).toEqual({ status: 200, json: { received: true, duplicate: true } });
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);

    // Stripe may deliver the same event to several instances at once: one row, one event downstream.
    const burst = stripeEvent("customer.subscription.updated", "sub_route_burst");
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(signed(burst))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.filter((a) => a.json.duplicate === true)).toHaveLength(3);
    expect(await db.stripeEvent.count({ where: { id: burst.id } })).toBe(1);
    await forwardPendingStripeEvents();
    for (const id of [event.id, burst.id]) {
      const copies = await forwardedCopies(id);
      expect(copies).toHaveLength(1);
      expect(copies[0].duplicates).toBe(0);
    }
  });

  it("I3: acknowledges while Inngest is down; the forwarder backs off and sends it exactly once when it is back", async () => {
    const event = stripeEvent("checkout.session.completed");
    inngest.setEnvVars({ INNGEST_DEV: await closedPortUrl() });
    expect((await post(signed(event))).status).toBe(200);
    const failed = await forwardPendingStripeEvents();
    expect(failed.failed).toBeGreaterThan(0);
    const row = await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(row).toMatchObject({ forwardedAt: null, forwardAttempts: 1 });
    expect(row.forwardError).toBeTruthy();
    expect(row.forwardAfter!.getTime()).toBeGreaterThan(Date.now()); // backing off, not hammering
    // While it backs off, a pass leaves it alone even with Inngest back.
    inngest.setEnvVars({ INNGEST_DEV: process.env.INNGEST_DEV });
    await forwardPendingStripeEvents();
    expect(await forwardedCopies(event.id)).toEqual([]);

    await db.stripeEvent.update({ where: { id: event.id }, data: { forwardAfter: new Date(Date.now() - 1000) } }); // the backoff elapsed
    await forwardPendingStripeEvents();
    expect(await forwardedCopies(event.id)).toHaveLength(1);
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ forwardError: null, forwardAfter: null });
    expect((await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).forwardedAt).toBeInstanceOf(Date);
  });
});

describe("Stripe webhook forwarder claims", () => {
  it("I8: a send Inngest never answers fails after the deadline and backs off, instead of stalling the forwarder", async () => {
    const silent = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const event = stripeEvent("invoice.paid", "in_silent");
      expect((await postRoute(signed(event))).status).toBe(200);
      inngest.setEnvVars({ INNGEST_DEV: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
      const started = Date.now();
      const pass = await forwardPendingStripeEvents({ sendTimeoutMs: 500 });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(pass.failed).toBeGreaterThan(0);
      const row = await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } });
      expect(row).toMatchObject({ forwardedAt: null, forwardAttempts: 1 });
      expect(row.forwardError).toContain("did not answer");
    } finally {
      inngest.setEnvVars({ INNGEST_DEV: process.env.INNGEST_DEV });
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("I3: two forwarders racing over the same rows send each event once", async () => {
    const events = Array.from({ length: 6 }, () => stripeEvent("invoice.paid", `in_race_${unique()}`));
    for (const event of events) expect((await postRoute(signed(event))).status).toBe(200);
    const passes = await Promise.all([forwardPendingStripeEvents({ batchSize: 4 }), forwardPendingStripeEvents({ batchSize: 4 })]);
    await forwardPendingStripeEvents();
    expect(passes.reduce((n, p) => n + p.forwarded, 0)).toBeGreaterThanOrEqual(1);
    for (const event of events) {
      const copies = await forwardedCopies(event.id);
      expect(copies, event.id).toHaveLength(1);
      expect(copies[0].duplicates).toBe(0);
    }
  });
});

describe("Stripe webhook forwarder loop", () => {
  it("I3: is woken by the acknowledgement and forwards within a moment, with no poll to wait for", async () => {
    const forwarder = startStripeForwarder({ pollMs: 10 * 60_000 }); // only a wake-up can make it run again
    try {
      // Its first pass is done and it waits now: an event forwarded from here on was woken for.
      await expect.poll(() => forwarder.sleeping(), { timeout: 15_000, interval: 10 }).toBe(true);
      const event = stripeEvent("invoice.paid", "in_woken");
      expect((await postNode(signed(event))).status).toBe(200);
      // The next poll is ten minutes away: a forward within the test's time can only be the wake-up.
      await expect.poll(async () => (await forwardedCopies(event.id)).length, { timeout: 15_000 }).toBe(1);
      expect(startStripeForwarder()).toBe(forwarder); // one per process, however many entry points start it
    } finally {
      await forwarder.stop();
    }
  });
});
