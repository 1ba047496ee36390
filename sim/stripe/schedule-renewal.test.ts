// Contract: a schedule on the clock — the next phase replaces the items at the period end, so the
// renewal bills the downgraded plan; the last phase ends in release (renewals go on) or cancel.
import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS as DRAFT } from "./renewal";
import { createPlan, downgradeAtRenewal, type Rig, scheduled, startRig } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig({ webhookUrl: "" });
});
afterEach(() => rig.close());

/** Each test's one customer is on the newest test clock; this moves it to exactly `unix`. */
const newestClock = () => [...rig.sim.store.testClocks.keys()].at(-1)!;
const advanceTo = (unix: number) => rig.sim.advanceTestClock(newestClock(), unix);
/** What happened to the objects since `from` (the clock's own advancing/ready events left out). */
const eventTypes = (from: number) =>
  rig.sim
    .events()
    .slice(from)
    .map((e) => e.type)
    .filter((type) => !type.startsWith("test_helpers."));

async function latest(subscription: string) {
  const sub = await rig.stripe.subscriptions.retrieve(subscription, { expand: ["latest_invoice"] });
  return { sub, invoice: sub.latest_invoice as Stripe.Invoice };
}

describe("a downgrade at the next renewal", () => {
  it("changes nothing before the period end, then bills the smaller plan from the renewal on, and releases after the last phase", async () => {
    const { schedule, subscription, small } = await scheduled(rig, { amount: 3000, smaller: 1500 });
    const updated = await downgradeAtRenewal(rig, schedule, small.id);
    const end = schedule.phases[0].end_date;
    const oldItem = subscription.items.data[0];

    await advanceTo(end - 60);
    let { sub, invoice } = await latest(subscription.id);
    expect(sub.items.data.map((i) => i.price.id)).toEqual([oldItem.price.id]);
    expect(invoice.billing_reason).toBe("subscription_create");

    const before = rig.sim.events().length;
    await advanceTo(end + DRAFT);
    ({ sub, invoice } = await latest(subscription.id));
    expect(sub.items.data.map((i) => [i.price.id, i.quantity])).toEqual([[small.id, 1]]);
    expect(sub.items.data[0].id).not.toBe(oldItem.id); // another product: a new item
    expect(sub.items.data[0]).toMatchObject({ current_period_start: end, current_period_end: updated.phases[1].end_date });
    expect(sub.metadata).toEqual({ orderId: "order_1", resizeRequestId: "rr_down", plan: "small" });
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 1500 });
    expect(invoice.lines.data.map((l) => l.pricing?.price_details?.price)).toEqual([small.id]);
    const moved = await rig.stripe.subscriptionSchedules.retrieve(schedule.id);
    expect(moved).toMatchObject({ status: "active", current_phase: { start_date: end, end_date: updated.phases[1].end_date } });
    expect(eventTypes(before).slice(0, 4)).toEqual([
      "subscription_schedule.updated",
      "customer.subscription.updated",
      "customer.subscription.updated",
      "invoice.created",
    ]);

    const last = updated.phases[1].end_date;
    await advanceTo(last + DRAFT);
    ({ sub, invoice } = await latest(subscription.id));
    expect(await rig.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({
      status: "released",
      released_at: last,
      released_subscription: subscription.id,
      subscription: null,
      current_phase: null,
    });
    expect(sub).toMatchObject({ status: "active", schedule: null });
    expect(sub.items.data[0]).toMatchObject({ price: { id: small.id }, current_period_start: last });
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", amount_paid: 1500, period_end: last });
    expect(rig.sim.events("subscription_schedule.released")).toHaveLength(1);
  });

  it("keeps the item id when the smaller plan is another price of the same product", async () => {
    const { schedule, subscription, price } = await scheduled(rig);
    const sameProduct = await rig.stripe.prices.create({
      product: String(price.product),
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
    });
    await downgradeAtRenewal(rig, schedule, sameProduct.id);
    await advanceTo(schedule.phases[0].end_date + DRAFT);
    const { sub, invoice } = await latest(subscription.id);
    expect(sub.items.data.map((i) => [i.id, i.price.id])).toEqual([[subscription.items.data[0].id, sameProduct.id]]);
    expect(invoice.amount_paid).toBe(1000);
  });

  it("shows the smaller plan in the renewal preview", async () => {
    const { schedule, subscription, small } = await scheduled(rig);
    await downgradeAtRenewal(rig, schedule, small.id);
    const preview = await rig.stripe.invoices.createPreview({ subscription: subscription.id });
    expect(preview.lines.data.map((l) => l.amount)).toEqual([1500]);
  });

  it("released before the period end: the renewal bills the old plan and the schedule stays released", async () => {
    const { schedule, subscription, small } = await scheduled(rig);
    await downgradeAtRenewal(rig, schedule, small.id);
    await rig.stripe.subscriptionSchedules.release(schedule.id);
    await advanceTo(schedule.phases[0].end_date + DRAFT);
    const { sub, invoice } = await latest(subscription.id);
    expect(sub.items.data.map((i) => i.price.id)).toEqual([subscription.items.data[0].price.id]);
    expect(sub.metadata).toEqual({ orderId: "order_1" });
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", amount_paid: 3000 });
    expect((await rig.stripe.subscriptionSchedules.retrieve(schedule.id)).status).toBe("released");
  });

  it("overwrites a direct upgrade made meanwhile: the next phase replaces the items, as in Stripe", async () => {
    const { schedule, subscription, small } = await scheduled(rig);
    await downgradeAtRenewal(rig, schedule, small.id);
    const big = await createPlan(rig.stripe, { amount: 6000, lookupKey: "plan_6000" });
    await rig.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0].id, price: big.id }], proration_behavior: "none" });
    // An update of the schedule without phases leaves the upgraded items alone.
    await rig.stripe.subscriptionSchedules.update(schedule.id, { metadata: { note: "upgraded" } });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).items.data.map((i) => i.price.id)).toEqual([big.id]);
    await advanceTo(schedule.phases[0].end_date + DRAFT);
    const { sub, invoice } = await latest(subscription.id);
    expect(sub.items.data.map((i) => i.price.id)).toEqual([small.id]);
    expect(invoice.amount_paid).toBe(1500);
  });
});

describe("how a schedule ends", () => {
  it("end_behavior cancel sets cancel_at to the last phase end; the subscription is canceled there and the schedule completed", async () => {
    const { schedule, subscription, small } = await scheduled(rig);
    const updated = await downgradeAtRenewal(rig, schedule, small.id, { end_behavior: "cancel" });
    const last = updated.phases[1].end_date;
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).cancel_at).toBe(last);
    // A test clock moves at most two intervals at a time (Stripe's limit).
    await advanceTo(updated.phases[0].end_date + DRAFT);
    await advanceTo(last + DRAFT);
    const { sub } = await latest(subscription.id);
    expect(sub).toMatchObject({ status: "canceled", ended_at: last });
    expect(await rig.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: "completed", completed_at: last, current_phase: null });
    expect(rig.sim.events("subscription_schedule.completed")).toHaveLength(1);
  });

  it("releasing a schedule that ends in cancel clears cancel_at unless preserve_cancel_date", async () => {
    const first = await scheduled(rig);
    await downgradeAtRenewal(rig, first.schedule, first.small.id, { end_behavior: "cancel" });
    await rig.stripe.subscriptionSchedules.release(first.schedule.id);
    expect((await rig.stripe.subscriptions.retrieve(first.subscription.id)).cancel_at).toBeNull();

    const second = await scheduled(rig, { amount: 4000 });
    const updated = await downgradeAtRenewal(rig, second.schedule, second.small.id, { end_behavior: "cancel" });
    await rig.stripe.subscriptionSchedules.release(second.schedule.id, { preserve_cancel_date: true });
    expect((await rig.stripe.subscriptions.retrieve(second.subscription.id)).cancel_at).toBe(updated.phases[1].end_date);
  });

  it("canceling the subscription cancels its active schedule", async () => {
    const { schedule, subscription } = await scheduled(rig);
    await rig.stripe.subscriptions.cancel(subscription.id);
    expect(await rig.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({
      status: "canceled",
      canceled_at: rig.sim.store.testClock(newestClock()).frozen_time,
      current_phase: null,
    });
    expect(
      rig.sim
        .events()
        .map((e) => e.type)
        .slice(-2),
    ).toEqual(["customer.subscription.deleted", "subscription_schedule.canceled"]);
  });
});
