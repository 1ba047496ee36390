// subscription-sync (resolves a signal to its subscription) and subscription-mirror (one writer per
// subscription) with @inngest/test against the database and the Stripe stand-in: signals re-read
// Stripe and refresh the widened mirror, an older read never replaces a newer one, and nothing else
// happens.
import { describe, expect, inject, it } from "vitest";
import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { confirmCheckout, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { readSubscription, writeSubscriptionMirror } from "@/lib/billing/sync-subscription";
import { createCheckoutFixture, findStripeEvent, payCheckout, stripeSignal } from "@/test/fixtures/checkout";
import { subscriptionSyncRequested } from "@/lib/jobs/events";
import { subscriptionSyncFunction } from "./subscription-sync";
import { subscriptionMirrorFunction } from "./subscription-mirror";

const simUrls = inject("simUrls");

type Signal = ReturnType<typeof stripeSignal>;

/** The first hop alone: which subscription the signal was routed to. */
async function route(event: Signal) {
  const { result, ctx } = await new InngestTestEngine({ function: subscriptionSyncFunction, events: [event] }).execute();
  return { result, sent: ctx.step.sendEvent };
}

/** Both hops, as Inngest would run them: the routed request then the mirror write. */
async function run(event: Signal) {
  const { result: routed } = await route(event);
  if ((routed as { action: string }).action !== "sync-requested") return { result: routed };
  const { subscriptionId } = routed as { subscriptionId: string };
  const request = {
    id: subscriptionSyncRequested.idOf({ subscriptionId, stripeEventId: event.id }),
    name: subscriptionSyncRequested.name,
    data: { subscriptionId, stripeEventId: event.id },
  };
  return new InngestTestEngine({ function: subscriptionMirrorFunction, events: [request] }).execute();
}

/** A paid checkout, confirmed, and the id of the Stripe subscription behind it. */
async function confirmedOrder() {
  const fixture = await createCheckoutFixture();
  await payCheckout(simUrls.stripe, fixture.sessionId);
  const result = await confirmCheckout(await readCheckoutSession(fixture.sessionId), "evt_test_confirm");
  expect(result).toMatchObject({ action: "confirmed", moved: true });
  const order = await db.order.findUniqueOrThrow({ where: { id: fixture.orderId } });
  return { ...fixture, userId: order.userId, subscriptionId: order.stripeSubscriptionId! };
}

const latestEvent = async (type: string, subscriptionId: string) =>
  (await stripe().events.list({ type, limit: 100 })).data.find((e) => (e.data.object as { id: string }).id === subscriptionId)!;

const mirrorOf = (orderId: string) => db.subscription.findUniqueOrThrow({ where: { orderId }, include: { items: { orderBy: { stripePriceId: "asc" } } } });

const post = (path: string, body: object) =>
  fetch(`${simUrls.stripe}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("subscription-sync routes every signal to its subscription", () => {
  it("I3: an invoice signal and a subscription signal for one subscription ask for the same queue (one writer)", async () => {
    const { subscriptionId } = await confirmedOrder();
    const { latest_invoice } = await stripe().subscriptions.retrieve(subscriptionId);
    const byInvoice = await route(stripeSignal(await findStripeEvent(simUrls.stripe, "invoice.paid", String(latest_invoice))));
    const bySubscription = await route(stripeSignal(await findStripeEvent(simUrls.stripe, "customer.subscription.created", subscriptionId)));
    for (const { result, sent } of [byInvoice, bySubscription]) {
      expect(result).toEqual({ action: "sync-requested", subscriptionId });
      expect(sent).toHaveBeenCalledWith(
        "request subscription sync",
        expect.objectContaining({ name: "billing/subscription.sync-requested", data: expect.objectContaining({ subscriptionId }) }),
      );
    }
    // The writer runs one at a time per subscription id, whichever object the signal named.
    expect(subscriptionMirrorFunction.opts.concurrency).toEqual({ limit: 1, key: "event.data.subscriptionId" });
  });
});

describe("subscription-mirror", () => {
  it("a subscription update refreshes the mirror from Stripe and marks the event processed", async () => {
    const { orderId, subscriptionId } = await confirmedOrder();
    await stripe().subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    const updated = await latestEvent("customer.subscription.updated", subscriptionId);
    await db.stripeEvent.create({ data: { id: updated.id, type: updated.type, forwardedAt: new Date() } });

    const { result } = await run(stripeSignal(updated as Parameters<typeof stripeSignal>[0]));
    expect(result).toEqual({ action: "synced", orderId, status: "active" });
    const live = await stripe().subscriptions.retrieve(subscriptionId);
    expect(await mirrorOf(orderId)).toMatchObject({ cancelAtPeriodEnd: true, cancelAt: new Date(live.cancel_at! * 1000), status: "active" });
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: updated.id } })).toMatchObject({ status: "processed" });
  });

  it("mirrors every item, the periods, latest_invoice, schedule and pending_update", async () => {
    const { orderId, subscriptionId, priceId } = await confirmedOrder();
    const live = await stripe().subscriptions.retrieve(subscriptionId);
    // An upgrade the card cannot pay: Stripe keeps the old items and records a pending update.
    const extra = await stripe().prices.create({ unit_amount: 500, currency: "usd", recurring: { interval: "month" }, product_data: { name: "Extra vCPU" } });
    expect((await post(`/_sim/customers/${live.customer}/card`, { number: "4000000000000341" })).status).toBe(200);
    await stripe().subscriptions.update(subscriptionId, {
      items: [{ price: extra.id, quantity: 2 }],
      proration_behavior: "always_invoice",
      payment_behavior: "pending_if_incomplete",
    });
    const pending = await stripe().subscriptions.retrieve(subscriptionId);
    expect(pending.pending_update).not.toBeNull();

    const { result } = await run(stripeSignal((await latestEvent("customer.subscription.updated", subscriptionId)) as Parameters<typeof stripeSignal>[0]));
    expect(result).toMatchObject({ action: "synced" });
    const mirror = await mirrorOf(orderId);
    const [item] = live.items.data;
    expect(mirror).toMatchObject({
      status: "active",
      stripePriceId: priceId,
      currentPeriodStart: new Date(item.current_period_start * 1000),
      currentPeriodEnd: new Date(item.current_period_end * 1000),
      latestInvoiceId: pending.latest_invoice,
      scheduleId: null,
      pendingUpdate: {
        expiresAt: pending.pending_update!.expires_at,
        items: expect.arrayContaining([
          { priceId: extra.id, quantity: 2 },
          { priceId, quantity: 1 },
        ]),
      },
    });
    expect(mirror.items.map((i) => ({ stripeItemId: i.stripeItemId, stripePriceId: i.stripePriceId, quantity: i.quantity }))).toEqual([
      { stripeItemId: item.id, stripePriceId: priceId, quantity: 1 },
    ]);

    // Paid later: the pending update applies, and the next sync replaces the items and clears it.
    expect((await post(`/_sim/invoices/${pending.latest_invoice}/pay`, { card: "4242424242424242" })).status).toBe(200);
    await run(stripeSignal((await latestEvent("customer.subscription.updated", subscriptionId)) as Parameters<typeof stripeSignal>[0]));
    const applied = await mirrorOf(orderId);
    expect(applied.pendingUpdate).toBeNull();
    expect(applied.items.map((i) => [i.stripePriceId, i.quantity]).sort()).toEqual(
      [
        [extra.id, 2],
        [priceId, 1],
      ].sort(),
    );
  });

  it("I3: of two interleaved syncs, the older read never overwrites the newer one", async () => {
    const { orderId, userId, subscriptionId } = await confirmedOrder();
    const order = { id: orderId, userId };
    const older = await readSubscription(subscriptionId); // active
    await stripe().subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    const newer = await readSubscription(subscriptionId);
    expect(newer.snapshot.cancelAtPeriodEnd).toBe(true);

    // The newer read lands first; the slow older one arrives after it and must change nothing.
    expect(await writeSubscriptionMirror(newer, order)).toBe(true);
    expect(await writeSubscriptionMirror(older, order)).toBe(false);
    expect(await mirrorOf(orderId)).toMatchObject({ cancelAtPeriodEnd: true, stripeReadAt: new Date(newer.readAt) });

    // Both at once, in either order of arrival: the newer read is what stays.
    await stripe().subscriptions.update(subscriptionId, { cancel_at_period_end: false });
    const newest = await readSubscription(subscriptionId);
    await Promise.all([writeSubscriptionMirror(newest, order), writeSubscriptionMirror(newer, order)]);
    expect(await mirrorOf(orderId)).toMatchObject({ cancelAtPeriodEnd: false, stripeReadAt: new Date(newest.readAt) });
  });

  it("an invoice event syncs the subscription behind the invoice", async () => {
    const { orderId, subscriptionId } = await confirmedOrder();
    const { latest_invoice } = await stripe().subscriptions.retrieve(subscriptionId);
    // Make the mirror stale, so only a real re-read can set it right.
    await db.subscription.update({ where: { orderId }, data: { status: "incomplete" } });

    const { result } = await run(stripeSignal(await findStripeEvent(simUrls.stripe, "invoice.paid", String(latest_invoice))));
    expect(result).toEqual({ action: "synced", orderId, status: "active" });
    expect((await db.subscription.findUniqueOrThrow({ where: { orderId } })).status).toBe("active");
  });

  it("I6: a cancelled subscription is mirrored, and the order is not touched (enforcement is elsewhere)", async () => {
    const { orderId, subscriptionId } = await confirmedOrder();
    await stripe().subscriptions.cancel(subscriptionId);
    const { result } = await run(stripeSignal(await findStripeEvent(simUrls.stripe, "customer.subscription.deleted", subscriptionId)));
    expect(result).toEqual({ action: "synced", orderId, status: "canceled" });
    expect((await db.subscription.findUniqueOrThrow({ where: { orderId } })).status).toBe("canceled");
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("paid");
  });

  it("a subscription no order has claimed yet is skipped; confirming the checkout mirrors it later", async () => {
    const { orderId, sessionId } = await createCheckoutFixture();
    await payCheckout(simUrls.stripe, sessionId);
    const session = await readCheckoutSession(sessionId);
    const created = await findStripeEvent(simUrls.stripe, "customer.subscription.created", session.subscription!.id);

    const { result } = await run(stripeSignal(created));
    expect(result).toEqual({ action: "unknown-subscription" });
    expect(await db.subscription.count({ where: { stripeSubscriptionId: session.subscription!.id } })).toBe(0);

    await confirmCheckout(session, "evt_test_confirm_late");
    expect(await db.subscription.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ stripeSubscriptionId: session.subscription!.id, status: "active" });
  });
});
