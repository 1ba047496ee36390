// Contract: webhook delivery — retries with backoff, and the test controls (pause, reorder,
// duplicate, replay, delay, rules) through /_sim as an outside test would use them.
import { afterEach, describe, expect, it } from "vitest";
import type { Delivery } from "./index";
import { DAY, type Rig, startRig, waitFor } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

async function control(path: string, body: unknown = {}, method = "POST") {
  const response = await fetch(`${rig.sim.url}/_sim${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: method === "GET" ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const customerEmails = () => rig.receiver.received.map((r) => (r.event.data.object as { email: string }).email);

describe("delivery and retries", () => {
  it("retries a 500 with growing gaps until the receiver accepts it", async () => {
    rig = await startRig({ webhookRetryBaseMs: 40 });
    rig.receiver.respond = (n) => (n < 2 ? 500 : 200);
    const customer = await rig.stripe.customers.create({ email: "retry@example.test" });
    await rig.sim.waitForDeliveries();

    const { body } = await control("/deliveries", undefined, "GET");
    const [delivery] = body.data as Delivery[];
    expect(delivery).toMatchObject({ eventType: "customer.created", status: "succeeded" });
    expect(delivery.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    const times = delivery.attempts.map((a) => Date.parse(a.at));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(35);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(75);
    expect(rig.receiver.received).toHaveLength(1);
    expect((rig.receiver.received[0].event.data.object as { id: string }).id).toBe(customer.id);
  });

  it("gives up after the configured attempts, also on connection errors", async () => {
    rig = await startRig({ webhookRetryBaseMs: 10, webhookMaxAttempts: 3 });
    rig.sim.setWebhookUrl("http://127.0.0.1:1/nothing-listens-here");
    await rig.stripe.customers.create({ email: "lost@example.test" });
    await rig.sim.waitForDeliveries();
    const [delivery] = rig.sim.deliveries();
    expect(delivery.status).toBe("failed");
    expect(delivery.attempts).toHaveLength(3);
    expect(delivery.attempts.every((a) => a.status === null && a.error)).toBe(true);
  });

  it("signs with real time even when a test clock is far ahead, so constructEvent's tolerance passes", async () => {
    rig = await startRig();
    const clock = await rig.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) + 40 * DAY });
    await rig.stripe.customers.create({ email: "future@example.test", test_clock: clock.id });
    await waitFor(() => rig.receiver.types().includes("customer.created"));
    expect(rig.receiver.rejected).toEqual([]);
    expect(rig.receiver.received.find((r) => r.event.type === "customer.created")!.event.created).toBeGreaterThan(Date.now() / 1000 + 39 * DAY);
  });

  it("records events but delivers nothing when the webhook URL is empty", async () => {
    rig = await startRig();
    expect((await control("/webhooks/url", { url: "" })).body).toEqual({ url: "" });
    await rig.stripe.customers.create({ email: "quiet@example.test" });
    expect(rig.sim.events("customer.created")).toHaveLength(1);
    expect(rig.sim.deliveries()).toEqual([]);
  });
});

describe("delivery controls", () => {
  it("pauses, reverses the queue, resumes; pending_webhooks counts what is queued", async () => {
    rig = await startRig();
    await control("/webhooks/pause");
    for (const name of ["a", "b", "c"]) await rig.stripe.customers.create({ email: `${name}@example.test` });
    const [first] = rig.sim.events("customer.created");
    expect((await rig.stripe.events.retrieve(first.id)).pending_webhooks).toBe(1);

    await control("/webhooks/reorder", { order: "reverse" });
    await control("/webhooks/resume");
    await rig.sim.waitForDeliveries();
    expect(customerEmails()).toEqual(["c@example.test", "b@example.test", "a@example.test"]);
    expect((await rig.stripe.events.retrieve(first.id)).pending_webhooks).toBe(0);
  });

  it("delivers a queue in a given order", async () => {
    rig = await startRig();
    rig.sim.pauseDelivery();
    for (const name of ["a", "b", "c"]) await rig.stripe.customers.create({ email: `${name}@example.test` });
    const [a, b, c] = rig.sim.events("customer.created").map((e) => e.id);
    await control("/webhooks/reorder", { order: [b, c, a] });
    await control("/webhooks/resume");
    await rig.sim.waitForDeliveries();
    expect(rig.receiver.received.map((r) => r.event.id)).toEqual([b, c, a]);
  });

  it("duplicates and replays an event: same id, delivered again", async () => {
    rig = await startRig();
    await rig.stripe.customers.create({ email: "dup@example.test" });
    await rig.sim.waitForDeliveries();
    const [event] = rig.sim.events("customer.created");
    expect((await control(`/events/${event.id}/duplicate`, { count: 2 })).status).toBe(200);
    expect((await control(`/events/${event.id}/replay`)).status).toBe(200);
    await rig.sim.waitForDeliveries();
    expect(rig.receiver.received.map((r) => r.event.id)).toEqual([event.id, event.id, event.id, event.id]);
    expect(rig.sim.deliveries().map((d) => d.reason)).toEqual(["event", "duplicate", "duplicate", "replay"]);
    expect((await control("/events/evt_missing/replay")).status).toBe(404);
  });

  it("delays one queued event behind later ones", async () => {
    rig = await startRig();
    rig.sim.pauseDelivery();
    await rig.stripe.customers.create({ email: "late@example.test" });
    await rig.stripe.customers.create({ email: "early@example.test" });
    const [late] = rig.sim.events("customer.created");
    expect((await control(`/events/${late.id}/delay`, { ms: 150 })).body).toEqual({ delayed: 1 });
    const resumedAt = Date.now();
    rig.sim.resumeDelivery();
    await rig.sim.waitForDeliveries();
    expect(customerEmails()).toEqual(["early@example.test", "late@example.test"]);
    expect(rig.receiver.received[1].at - resumedAt).toBeGreaterThanOrEqual(140);
  });

  it("applies rules to future events: duplicate the next customer.* event once", async () => {
    rig = await startRig();
    await control("/webhooks/rules", { type: "customer.*", duplicates: 1, times: 1 });
    await rig.stripe.customers.create({ email: "twice@example.test" });
    await rig.stripe.customers.create({ email: "once@example.test" });
    await rig.sim.waitForDeliveries();
    expect(customerEmails()).toEqual(["twice@example.test", "twice@example.test", "once@example.test"]);
    expect((await control("/webhooks/rules", {}, "DELETE")).body).toEqual({ rules: [] });
  });
});
