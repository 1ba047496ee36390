// The checkout-completed function run with @inngest/test against the real database, the Stripe
// stand-in (real sessions, really paid or declined) and the Inngest stand-in (which receives the
// `order/paid` events the function sends).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { transitionOrder } from "@/lib/orders/order-state";
import {
  createCheckoutFixture,
  findStripeEvent,
  inngestEvents,
  payCheckout,
  proxmoxRequests,
  replaceCheckoutSession,
  stripeSignal,
} from "@/test/fixtures/checkout";
import { checkoutCompletedFunction } from "./checkout-completed";
import { stripeSignalOptions } from "./stripe-signal-options";

const simUrls = inject("simUrls");

function run(event: ReturnType<typeof stripeSignal>) {
  // A fresh engine per execution: @inngest/test 1.0.0 shares step state between executions of one.
  return new InngestTestEngine({ function: checkoutCompletedFunction, events: [event] }).execute();
}

async function paidCheckout(amountMinor?: number) {
  const fixture = await createCheckoutFixture({ amountMinor });
  expect(await payCheckout(simUrls.stripe, fixture.sessionId)).toMatchObject({ status: "complete" });
  const signal = stripeSignal(await findStripeEvent(simUrls.stripe, "checkout.session.completed", fixture.sessionId));
  return { ...fixture, signal };
}

async function orderPaidEvents(orderId: string) {
  return (await inngestEvents(simUrls.inngest)).filter((e) => e.name === "order/paid" && e.data.orderId === orderId);
}

const auditCount = (orderId: string, action: string) => db.auditEvent.count({ where: { subjectType: "order", subjectId: orderId, action } });

// No test in this file may cause a single Proxmox request (I1: a checkout is not infrastructure).
let proxmoxLogStart = 0;
beforeAll(async () => {
  proxmoxLogStart = (await proxmoxRequests(simUrls.proxmox)).at(-1)?.id ?? 0;
});
afterAll(async () => {
  expect(await proxmoxRequests(simUrls.proxmox, proxmoxLogStart)).toEqual([]);
});

describe("checkout-completed", () => {
  it("I1: a paid session for a known order marks it paid, mirrors the subscription and emits order/paid", async () => {
    const { orderId, userId, priceId, signal } = await paidCheckout();
    await db.stripeEvent.create({ data: { id: signal.id, type: signal.data.type, forwardedAt: new Date() } });

    const { result, ctx } = await run(signal);
    expect(result).toEqual({ action: "confirmed", orderId, moved: true, emitOrderPaid: true, kind: "new_vm" });

    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { subscription: true } });
    expect(order.status).toBe("paid");
    expect(order.paidAt).toBeInstanceOf(Date);
    expect(order.flagReason).toBeNull();
    expect(order.stripeCustomerId).toMatch(/^cus_/);
    expect(order.stripeSubscriptionId).toMatch(/^sub_/);
    const live = await stripe().subscriptions.retrieve(order.stripeSubscriptionId!);
    expect(order.subscription).toMatchObject({
      stripeSubscriptionId: live.id,
      stripeCustomerId: order.stripeCustomerId,
      userId,
      status: "active",
      stripePriceId: priceId,
      cancelAtPeriodEnd: false,
    });
    expect(order.subscription!.currentPeriodEnd!.getTime()).toBe(live.items.data[0].current_period_end * 1000);
    expect(await auditCount(orderId, "order.paid")).toBe(1);

    expect(ctx.step.sendEvent).toHaveBeenCalledTimes(1);
    const emitted = await orderPaidEvents(orderId);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ id: `order-paid-${orderId}-1`, data: { orderId, attempt: 1 } });
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: signal.id } })).toMatchObject({ status: "processed" });
  });

  it("I3: a replayed event moves nothing twice and can only re-send the same order/paid id", async () => {
    const { orderId, signal } = await paidCheckout();
    await run(signal);
    const paidAt = (await db.order.findUniqueOrThrow({ where: { id: orderId } })).paidAt;

    const replay = await run(signal);
    expect(replay.result).toMatchObject({ action: "confirmed", moved: false });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).paidAt).toEqual(paidAt);
    expect(await auditCount(orderId, "order.paid")).toBe(1);
    expect(await db.subscription.count({ where: { orderId } })).toBe(1);
    // Nothing has provisioned yet, so the replay re-emits, under the one fixed id Inngest drops.
    const emitted = await orderPaidEvents(orderId);
    expect(replay.ctx.step.sendEvent).toHaveBeenCalledTimes(1);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ id: `order-paid-${orderId}-1`, duplicates: 1 });

    // Once provisioning has taken the order, a replay does not even try.
    expect(await transitionOrder(orderId, "paid", "provisioning")).toBe(true);
    const late = await run(signal);
    expect(late.result).toEqual({ action: "confirmed", orderId, moved: false, emitOrderPaid: false, kind: "new_vm" });
    expect(late.ctx.step.sendEvent).not.toHaveBeenCalled();
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("provisioning");
  });

  it("I3: a run that stopped after confirming but before emitting converges on the next run", async () => {
    const { orderId, signal } = await paidCheckout();
    const engine = new InngestTestEngine({ function: checkoutCompletedFunction, events: [signal] });
    const confirmed = await engine.executeStep("confirm payment");
    expect(confirmed.result).toMatchObject({ action: "confirmed", moved: true });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("paid");
    expect(await orderPaidEvents(orderId)).toEqual([]);

    const rerun = await run(signal);
    expect(rerun.result).toEqual({ action: "confirmed", orderId, moved: false, emitOrderPaid: true, kind: "new_vm" });
    expect(await orderPaidEvents(orderId)).toHaveLength(1);
  });

  it("I1: a declined card leaves the session open: the order is untouched, not flagged, nothing emitted", async () => {
    const fixture = await createCheckoutFixture();
    expect(await payCheckout(simUrls.stripe, fixture.sessionId, "4000000000000002")).toMatchObject({ status: "declined" });
    // A forged or stale "completed" signal for it: the re-read from Stripe is what counts.
    const signal = stripeSignal({
      id: `evt_forged_${fixture.orderId}`,
      type: "checkout.session.completed",
      created: 0,
      data: { object: { id: fixture.sessionId } },
    });

    const { result, ctx } = await run(signal);
    expect(result).toEqual({ action: "not-paid", orderId: fixture.orderId, sessionStatus: "open", paymentStatus: "unpaid" });
    const order = await db.order.findUniqueOrThrow({ where: { id: fixture.orderId } });
    expect(order).toMatchObject({ status: "awaiting_payment", paidAt: null, stripeSubscriptionId: null, flagReason: null });
    expect(await db.subscription.count({ where: { orderId: fixture.orderId } })).toBe(0);
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
    expect(await orderPaidEvents(fixture.orderId)).toEqual([]);
  });

  it("I1: a paid amount that differs from the order's flags the order and does not mark it paid", async () => {
    const { orderId, signal } = await paidCheckout(2500);
    await db.order.update({ where: { id: orderId }, data: { amountMinor: 2600 } });

    const { result } = await run(signal);
    expect(result).toMatchObject({ action: "flagged", orderId, reason: "paid 2500 usd, order is 2600 usd" });
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order).toMatchObject({ status: "awaiting_payment", paidAt: null, flagReason: "paid 2500 usd, order is 2600 usd" });
    expect(order.flaggedAt).toBeInstanceOf(Date);
    expect(await db.subscription.count({ where: { orderId } })).toBe(0);
    expect(await orderPaidEvents(orderId)).toEqual([]);

    await run(signal); // a replay: same flag, not audited twice
    expect(await auditCount(orderId, "order.flagged")).toBe(1);
    expect(await auditCount(orderId, "order.paid")).toBe(0);
  });

  it("I1: the right amount paid for another plan's price flags the order (unknown plan) and does not mark it paid", async () => {
    const { orderId, signal } = await paidCheckout();
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { plan: true } });
    const other = await db.plan.create({
      data: { slug: `${order.plan.slug}-other`, name: "Other", labType: "eve", vcpus: 8, ramGb: 32, diskGb: 200, monthlyPriceMinor: order.amountMinor },
    });
    await db.order.update({ where: { id: orderId }, data: { planId: other.id } });

    const { result } = await run(signal);
    expect(result).toMatchObject({ action: "flagged", orderId, reason: `unknown plan: paid for ${order.planId}, order is for plan ${other.id}` });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "awaiting_payment", paidAt: null });
    expect(await orderPaidEvents(orderId)).toEqual([]);
  });

  it("I1: a paid session that is not the order's current session flags the order", async () => {
    const fixture = await paidCheckout();
    const { orderId, signal } = fixture;
    await replaceCheckoutSession(fixture);

    const { result } = await run(signal);
    expect(result).toMatchObject({ action: "flagged", orderId });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "awaiting_payment" });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).flagReason).toContain("is not the order's session");
    expect(await orderPaidEvents(orderId)).toEqual([]);
  });

  it("I1: a paid session whose client_reference_id names no order changes nothing", async () => {
    const reference = `order_unknown_${Date.now()}`;
    const fixture = await createCheckoutFixture({ clientReferenceId: reference });
    // The fixture stored the session on its own order; undo that so no order knows the session.
    await db.order.update({ where: { id: fixture.orderId }, data: { stripeCheckoutSessionId: null } });
    await payCheckout(simUrls.stripe, fixture.sessionId);
    const signal = stripeSignal(await findStripeEvent(simUrls.stripe, "checkout.session.completed", fixture.sessionId));
    const auditsBefore = await db.auditEvent.count();

    const { result, ctx } = await run(signal);
    expect(result).toEqual({ action: "unknown-order" });
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
    expect(await db.auditEvent.count()).toBe(auditsBefore);
    expect(await db.order.findUniqueOrThrow({ where: { id: fixture.orderId } })).toMatchObject({ status: "awaiting_payment", flagReason: null });
    expect((await inngestEvents(simUrls.inngest)).filter((e) => e.name === "order/paid" && e.data.orderId === reference)).toEqual([]);
  });

  it("a session Stripe does not know fails the run at once, not after every retry (a 404 is permanent)", async () => {
    const id = `evt_no_session_${Date.now()}`;
    const signal = stripeSignal({
      id,
      type: "checkout.session.completed",
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: "cs_test_never_created" } },
    });

    const { error } = await run(signal);
    // @inngest/test serialises the thrown error: the class name is what Inngest acts on.
    expect(error).toMatchObject({ name: "NonRetriableError", message: expect.stringContaining("re-read checkout session: No such checkout.session") });
  });

  it("a run that gives up leaves its StripeEvent in error, with the reason, for the operator", async () => {
    const id = `evt_gave_up_${Date.now()}`;
    await db.stripeEvent.create({ data: { id, type: "checkout.session.completed", forwardedAt: new Date() } });
    expect(checkoutCompletedFunction.opts.onFailure).toBe(stripeSignalOptions.onFailure);
    await stripeSignalOptions.onFailure({ event: { data: { event: { data: { stripeEventId: id } } } }, error: new Error("stripe timed out") });
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "error", error: "stripe timed out" });
  });
});
