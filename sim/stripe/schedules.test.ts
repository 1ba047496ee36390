// Contract: subscription schedules made from a subscription — the object, Stripe's refusals on
// create/update/release, the subscription's cancelation locked while a schedule steers it, expand.
import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { downgradeAtRenewal, type Rig, scheduled, startRig, subscribe } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig({ webhookUrl: "" });
});
afterEach(() => rig.close());

const eventTypes = (from: number) =>
  rig.sim
    .events()
    .slice(from)
    .map((e) => e.type);

describe("create from_subscription", () => {
  it("copies the subscription's items and current period into one phase and attaches the schedule", async () => {
    const before = rig.sim.events().length;
    const { schedule, subscription, price, customer } = await scheduled(rig);
    const item = subscription.items.data[0];
    const period = { start_date: item.current_period_start, end_date: item.current_period_end };
    expect(schedule.id).toMatch(/^sub_sched_/);
    expect(schedule).toMatchObject({
      object: "subscription_schedule",
      status: "active",
      subscription: subscription.id,
      customer,
      end_behavior: "release",
      billing_mode: { type: "flexible" },
      current_phase: period,
      released_at: null,
      released_subscription: null,
      canceled_at: null,
      completed_at: null,
      metadata: {},
      default_settings: { billing_cycle_anchor: "automatic", collection_method: "charge_automatically" },
    });
    expect(schedule.phases).toEqual([
      expect.objectContaining({
        ...period,
        currency: "usd",
        metadata: {},
        proration_behavior: "create_prorations",
        items: [{ price: price.id, plan: price.id, quantity: 1, metadata: {}, discounts: [], tax_rates: [], billing_thresholds: null }],
      }),
    ]);
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).schedule).toBe(schedule.id);
    const types = eventTypes(before);
    expect(types.slice(types.indexOf("subscription_schedule.created"))).toEqual(["subscription_schedule.created", "customer.subscription.updated"]);
    expect(rig.sim.events("customer.subscription.updated").at(-1)!.data.previous_attributes).toEqual({ schedule: null });
    expect(await rig.stripe.subscriptionSchedules.retrieve(schedule.id)).toEqual(schedule);
  });

  it("refuses other parameters beside from_subscription, a second schedule, and (stand-in) a schedule from phases", async () => {
    const { subscription, customer, price } = await subscribe(rig);
    const from_subscription = subscription.id;
    await expect(rig.stripe.subscriptionSchedules.create({ from_subscription, end_behavior: "cancel" })).rejects.toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      param: "end_behavior",
    });
    await expect(rig.stripe.subscriptionSchedules.create({ from_subscription, phases: [{ items: [{ price: price.id }] }] })).rejects.toMatchObject({
      param: "phases",
    });
    await expect(rig.stripe.subscriptionSchedules.create({ customer, phases: [{ items: [{ price: price.id }] }] })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("stand-in only supports creating a subscription schedule with `from_subscription`"),
    });
    expect(rig.sim.store.schedules.size).toBe(0);

    const schedule = await rig.stripe.subscriptionSchedules.create({ from_subscription });
    await expect(rig.stripe.subscriptionSchedules.create({ from_subscription })).rejects.toMatchObject({
      statusCode: 400,
      param: "from_subscription",
      message: `You cannot migrate a subscription that is already attached to a schedule: \`${schedule.id}\`.`,
    });
    await expect(rig.stripe.subscriptionSchedules.create({ from_subscription: "sub_missing" })).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
  });

  it("lists by customer, newest first, and shows them at /_sim", async () => {
    const first = await scheduled(rig);
    const second = await scheduled(rig, { amount: 4000 });
    const all = await rig.stripe.subscriptionSchedules.list();
    expect(all.data.map((s) => s.id)).toEqual([second.schedule.id, first.schedule.id]);
    const mine = await rig.stripe.subscriptionSchedules.list({ customer: first.customer });
    expect(mine.data.map((s) => s.id)).toEqual([first.schedule.id]);
    const state = await fetch(`${rig.sim.url}/_sim/state`).then((r) => r.json());
    expect(state.schedules.map((s: Stripe.SubscriptionSchedule) => s.id)).toEqual([first.schedule.id, second.schedule.id]);
    expect(await fetch(`${rig.sim.url}/_sim`).then((r) => r.text())).toContain(first.schedule.id);
  });
});

describe("update", () => {
  it("adds the next phase without touching the subscription now", async () => {
    const { schedule, subscription, small } = await scheduled(rig);
    const before = rig.sim.events().length;
    const updated = await downgradeAtRenewal(rig, schedule, small.id);
    const end = schedule.phases[0].end_date;
    expect(updated.phases.map((p) => [p.start_date, p.items[0].price])).toEqual([
      [schedule.phases[0].start_date, subscription.items.data[0].price.id],
      [end, small.id],
    ]);
    expect(updated.phases[1]).toMatchObject({ metadata: { resizeRequestId: "rr_down", plan: "small" }, proration_behavior: "none" });
    expect(updated.phases[1].end_date - end).toBeGreaterThanOrEqual(28 * 86_400);
    expect(updated.current_phase).toEqual(schedule.current_phase);
    expect(eventTypes(before)).toEqual(["subscription_schedule.updated"]);
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).items).toEqual(subscription.items);
  });

  it("refuses a moved current phase, end_date with duration, gaps, unknown prices and (stand-in) other end behaviors", async () => {
    const { schedule, small } = await scheduled(rig);
    const [current] = schedule.phases;
    const items = [{ price: String(current.items[0].price), quantity: 1 }];
    const next = { items: [{ price: small.id }] };
    const update = (phases: Stripe.SubscriptionScheduleUpdateParams.Phase[], extra = {}) =>
      rig.stripe.subscriptionSchedules.update(schedule.id, { phases, ...extra });

    await expect(update([{ items, start_date: current.start_date + 1, end_date: current.end_date }, next])).rejects.toMatchObject({
      statusCode: 400,
      message: "You can not modify the start date of the current phase.",
    });
    await expect(update([{ items, start_date: current.start_date, end_date: current.end_date, duration: { interval: "month" } }])).rejects.toMatchObject({
      message: "You may only specify one of these parameters: duration, end_date.",
    });
    await expect(
      update([
        { items, start_date: current.start_date, end_date: current.end_date },
        { ...next, start_date: current.end_date + 60 },
      ]),
    ).rejects.toMatchObject({
      param: "phases[1][start_date]",
    });
    await expect(
      update([{ items, start_date: current.start_date, end_date: current.end_date }, { items: [{ price: "price_missing" }] }]),
    ).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      param: "phases[1][items][0][price]",
    });
    await expect(update([{ items, start_date: current.start_date, end_date: current.end_date - 3600 }, next])).rejects.toMatchObject({
      message: expect.stringContaining("stand-in only supports schedule phases that end at a billing period end"),
    });
    await expect(update([{ items, start_date: current.start_date, end_date: current.end_date }, next], { end_behavior: "renew" })).rejects.toMatchObject({
      param: "end_behavior",
    });
    expect((await rig.stripe.subscriptionSchedules.retrieve(schedule.id)).phases).toEqual(schedule.phases);
  });

  it("applies a change of the current phase's items at once with proration_behavior none, and refuses it with prorations (stand-in)", async () => {
    const { schedule, subscription, small } = await scheduled(rig);
    const phases = [{ items: [{ price: small.id, quantity: 2 }], start_date: schedule.phases[0].start_date, end_date: schedule.phases[0].end_date }];
    await expect(rig.stripe.subscriptionSchedules.update(schedule.id, { phases })).rejects.toMatchObject({ param: "proration_behavior" });
    const invoices = rig.sim.store.invoices.size;
    await rig.stripe.subscriptionSchedules.update(schedule.id, { phases, proration_behavior: "none" });
    const sub = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.items.data.map((i) => [i.price.id, i.quantity])).toEqual([[small.id, 2]]);
    expect(sub.items.data[0].current_period_end).toBe(subscription.items.data[0].current_period_end);
    expect(rig.sim.store.invoices.size).toBe(invoices);
  });
});

describe("release", () => {
  it("detaches the subscription; a released schedule can be neither updated nor released again", async () => {
    const { schedule, subscription, small, clock } = await scheduled(rig);
    await downgradeAtRenewal(rig, schedule, small.id);
    const released = await rig.stripe.subscriptionSchedules.release(schedule.id);
    expect(released).toMatchObject({
      status: "released",
      released_at: rig.sim.store.testClock(clock).frozen_time,
      released_subscription: subscription.id,
      subscription: null,
      current_phase: null,
    });
    const sub = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.schedule).toBeNull();
    expect(sub.items.data[0].price.id).toBe(subscription.items.data[0].price.id);
    expect(
      rig.sim
        .events()
        .map((e) => e.type)
        .slice(-2),
    ).toEqual(["subscription_schedule.released", "customer.subscription.updated"]);
    await expect(downgradeAtRenewal(rig, released, small.id)).rejects.toMatchObject({
      statusCode: 400,
      message:
        "You cannot update a subscription schedule that is currently in the `released` status. It must be in `not_started`, `active` status to be updated.",
    });
    await expect(rig.stripe.subscriptionSchedules.release(schedule.id)).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("the subscription it manages", () => {
  it("refuses cancel_at_period_end and cancel_at with Stripe's words until the schedule is released", async () => {
    const { schedule, subscription } = await scheduled(rig);
    const message = `The subscription is managed by the subscription schedule \`${schedule.id}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`;
    await expect(rig.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true })).rejects.toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      message,
    });
    await expect(rig.stripe.subscriptions.update(subscription.id, { cancel_at: subscription.items.data[0].current_period_end })).rejects.toMatchObject({
      message,
    });
    await rig.stripe.subscriptionSchedules.release(schedule.id);
    const canceling = await rig.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(canceling.cancel_at_period_end).toBe(true);
  });

  it("shows the schedule as an id that expands, and the schedule's subscription expands too", async () => {
    const { schedule, subscription } = await scheduled(rig);
    const sub = await rig.stripe.subscriptions.retrieve(subscription.id, { expand: ["schedule"] });
    expect(sub.schedule).toMatchObject({ id: schedule.id, object: "subscription_schedule", status: "active" });
    const listed = await rig.stripe.subscriptions.list({ customer: String(subscription.customer), expand: ["data.schedule"] });
    expect((listed.data[0].schedule as Stripe.SubscriptionSchedule).current_phase).toEqual(schedule.current_phase);
    const withSub = await rig.stripe.subscriptionSchedules.retrieve(schedule.id, { expand: ["subscription"] });
    expect(withSub.subscription).toMatchObject({ id: subscription.id, object: "subscription", schedule: schedule.id });
  });
});
