// Contract: test clocks as Stripe has them (API reference "Test Clocks"; stripe-node's
// TestClockAdvanceParams) — created, listed, deleted; a customer attached at creation lives at the
// clock's frozen time with everything of theirs; `advance` is asynchronous (advancing → ready) and
// runs renewals, finalizations, retries and checkout expiries in order; only forward, at most two
// intervals of the shortest subscription; and one customer's clock never moves anyone else.
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS as DRAFT } from "./renewal";
import { createPlan, createSession, DAY, type Rig, startRig, subscribe, waitFor } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

const T0 = 1_893_456_000; // 2030-01-01, far from real time on purpose

describe("test clock objects", () => {
  it("are created ready at their frozen time, retrieved, listed and deleted in Stripe's shapes", async () => {
    rig = await startRig();
    const clock = await rig.stripe.testHelpers.testClocks.create({ frozen_time: T0, name: "rehearsal" });
    expect(clock).toMatchObject({
      object: "test_helpers.test_clock",
      frozen_time: T0,
      name: "rehearsal",
      status: "ready",
      livemode: false,
      status_details: {},
    });
    expect(clock.id).toMatch(/^clock_/);
    expect(clock.deletes_after - clock.created).toBe(7 * DAY);
    expect(await rig.stripe.testHelpers.testClocks.retrieve(clock.id)).toEqual(clock);
    expect((await rig.stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toEqual([clock.id]);
    await expect(rig.stripe.testHelpers.testClocks.retrieve("clock_missing")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
    await expect(rig.stripe.testHelpers.testClocks.create({} as Stripe.TestHelpers.TestClockCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      param: "frozen_time",
    });
    expect(rig.sim.events("test_helpers.test_clock.created")).toHaveLength(1);
  });

  it("carry customers attached at creation, at the clock's time; lists leave those customers out unless the clock is named", async () => {
    rig = await startRig();
    const clock = await rig.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const clocked = await rig.stripe.customers.create({ email: "same@example.test", test_clock: clock.id });
    const plain = await rig.stripe.customers.create({ email: "same@example.test" });
    expect(clocked).toMatchObject({ test_clock: clock.id, created: T0 });
    expect(plain.test_clock).toBeNull();
    expect((await rig.stripe.customers.list({ email: "same@example.test" })).data.map((c) => c.id)).toEqual([plain.id]);
    expect((await rig.stripe.customers.list({ test_clock: clock.id })).data.map((c) => c.id)).toEqual([clocked.id]);
    await expect(rig.stripe.customers.create({ test_clock: "clock_missing" })).rejects.toMatchObject({ statusCode: 404, param: "test_clock" });
  });

  it("deleted, takes its customers and their objects with it", async () => {
    rig = await startRig();
    const { clock, customer, subscription } = await subscribe(rig);
    const deleted = await rig.stripe.testHelpers.testClocks.del(clock);
    expect(deleted).toEqual({ id: clock, object: "test_helpers.test_clock", deleted: true });
    await expect(rig.stripe.customers.retrieve(customer)).rejects.toMatchObject({ statusCode: 404 });
    await expect(rig.stripe.subscriptions.retrieve(subscription.id)).rejects.toMatchObject({ statusCode: 404 });
    expect(rig.sim.events("test_helpers.test_clock.deleted")).toHaveLength(1);
  });
});

describe("advancing", () => {
  it("is asynchronous: advancing with the target in status_details, then ready at the new time with every renewal done at its own time", async () => {
    rig = await startRig();
    const { clock, subscription } = await subscribe(rig);
    const end = subscription.items.data[0]!.current_period_end;
    const before = await rig.stripe.testHelpers.testClocks.retrieve(clock);
    const started = await rig.stripe.testHelpers.testClocks.advance(clock, { frozen_time: end + DRAFT + 60 });
    expect(started).toMatchObject({
      status: "advancing",
      frozen_time: before.frozen_time,
      status_details: { advancing: { target_frozen_time: end + DRAFT + 60 } },
    });
    const ready = await waitFor(async () => {
      const now = await rig.stripe.testHelpers.testClocks.retrieve(clock);
      return now.status === "ready" ? now : undefined;
    });
    expect(ready).toMatchObject({ frozen_time: end + DRAFT + 60, status_details: {} });
    const [renewal] = (await rig.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data;
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", created: end, test_clock: clock });
    expect(renewal!.status_transitions.finalized_at).toBe(end + DRAFT);
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).test_clock).toBe(clock);
    const types = rig.sim.events().map((e) => e.type);
    expect(types.indexOf("test_helpers.test_clock.advancing")).toBeLessThan(types.lastIndexOf("invoice.created"));
    expect(types.at(-1)).toBe("test_helpers.test_clock.ready");
  });

  it("only forward, and at most two intervals of the shortest subscription (two years without one)", async () => {
    rig = await startRig();
    const { clock, subscription } = await subscribe(rig);
    const now = (await rig.stripe.testHelpers.testClocks.retrieve(clock)).frozen_time;
    await expect(rig.stripe.testHelpers.testClocks.advance(clock, { frozen_time: now })).rejects.toMatchObject({ statusCode: 400, param: "frozen_time" });
    const twoMonths = new Date(now * 1000);
    twoMonths.setUTCMonth(twoMonths.getUTCMonth() + 2);
    await expect(rig.stripe.testHelpers.testClocks.advance(clock, { frozen_time: twoMonths.getTime() / 1000 + 60 })).rejects.toMatchObject({
      statusCode: 400,
      param: "frozen_time",
    });
    // The limit moves with the clock: from the period end, two more months are allowed.
    await rig.sim.advanceTestClock(clock, subscription.items.data[0]!.current_period_end + DRAFT);
    expect((await rig.stripe.testHelpers.testClocks.advance(clock, { frozen_time: now + 80 * DAY })).status).toBe("advancing");

    const empty = await rig.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    await expect(rig.stripe.testHelpers.testClocks.advance(empty.id, { frozen_time: T0 + 3 * 365 * DAY })).rejects.toMatchObject({ statusCode: 400 });
    expect((await rig.stripe.testHelpers.testClocks.advance(empty.id, { frozen_time: T0 + 700 * DAY })).status).toBe("advancing");
  });

  it("retries a declined renewal on the clock (past_due, then the smart retry at +3 days)", async () => {
    rig = await startRig();
    const { clock, subscription, customer } = await subscribe(rig);
    rig.sim.setCustomerCard(customer, "4000000000000002");
    const end = subscription.items.data[0]!.current_period_end;
    await rig.sim.advanceTestClock(clock, end + DRAFT + 60);
    const [renewal] = (await rig.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data;
    expect(renewal).toMatchObject({ status: "open", attempt_count: 1, next_payment_attempt: end + DRAFT + 3 * DAY });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("past_due");
    await rig.sim.advanceTestClock(clock, end + DRAFT + 3 * DAY + 60);
    expect((await rig.stripe.invoices.retrieve(renewal!.id)).attempt_count).toBe(2);
  });
});

describe("one customer's clock moves only that customer", () => {
  it("advancing A renews A alone: B (another clock) and real-time objects stay, and a new checkout still opens and pays", async () => {
    rig = await startRig();
    const a = await subscribe(rig, { amount: 1500 });
    const b = await subscribe(rig, { amount: 2500 });
    const endA = a.subscription.items.data[0]!.current_period_end;
    await rig.sim.advanceTestClock(a.clock, endA + DRAFT + 60);
    expect((await rig.stripe.invoices.list({ subscription: a.subscription.id })).data).toHaveLength(2);
    expect((await rig.stripe.invoices.list({ subscription: b.subscription.id })).data).toHaveLength(1);
    expect((await rig.stripe.testHelpers.testClocks.retrieve(b.clock)).frozen_time).toBeLessThan(endA);

    const price = await createPlan(rig.stripe, { amount: 900, lookupKey: "later" });
    const realNow = Math.floor(Date.now() / 1000);
    const session = await createSession(rig.stripe, price.id, { expires_at: realNow + 31 * 60 });
    expect(session.created).toBeGreaterThanOrEqual(realNow - 1);
    expect(rig.sim.payCheckout(session.id).status).toBe("complete");
  });

  it("a checkout for a customer on a clock is created at the clock's time, checked against it, and expires when the clock passes expires_at", async () => {
    rig = await startRig();
    const clock = await rig.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await rig.stripe.customers.create({ email: "clocked@example.test", test_clock: clock.id });
    const price = await createPlan(rig.stripe);
    await expect(createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, expires_at: T0 + 10 * 60 })).rejects.toMatchObject({
      param: "expires_at",
    });
    const session = await createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, expires_at: T0 + 31 * 60 });
    expect(session).toMatchObject({ created: T0, status: "open" });
    await rig.sim.advanceTestClock(clock.id, T0 + 30 * 60);
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    await rig.sim.advanceTestClock(clock.id, T0 + 32 * 60);
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired");
    expect(rig.sim.events("checkout.session.expired")[0]!.created).toBe(T0 + 31 * 60);
  });
});
