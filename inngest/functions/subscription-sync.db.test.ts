// The subscription-sync function with @inngest/test: subscription and invoice signals re-read
// Stripe (the stand-in) and refresh the mirror, and do nothing else.
import { describe, expect, inject, it } from "vitest";
import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { confirmCheckout, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { createCheckoutFixture, findStripeEvent, payCheckout, stripeSignal } from "@/test/fixtures/checkout";
import { subscriptionSyncFunction } from "./subscription-sync";

const simUrls = inject("simUrls");

const run = (event: ReturnType<typeof stripeSignal>) => new InngestTestEngine({ function: subscriptionSyncFunction, events: [event] }).execute();

/** A paid checkout, confirmed, and the id of the Stripe subscription behind it. */
async function confirmedOrder() {
  const fixture = await createCheckoutFixture();
  await payCheckout(simUrls.stripe, fixture.sessionId);
  const result = await confirmCheckout(await readCheckoutSession(fixture.sessionId), "evt_test_confirm");
  expect(result).toMatchObject({ action: "confirmed", moved: true });
  const { stripeSubscriptionId } = await db.order.findUniqueOrThrow({ where: { id: fixture.orderId } });
  return { ...fixture, subscriptionId: stripeSubscriptionId! };
}

describe("subscription-sync", () => {
  it("a subscription update refreshes the mirror from Stripe", async () => {
    const { orderId, subscriptionId } = await confirmedOrder();
    await stripe().subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    const updated = (await stripe().events.list({ type: "customer.subscription.updated", limit: 100 })).data.find(
      (e) => (e.data.object as { id: string }).id === subscriptionId,
    )!;

    const { result } = await run(stripeSignal(updated as Parameters<typeof stripeSignal>[0]));
    expect(result).toEqual({ action: "synced", orderId, status: "active" });
    expect(await db.subscription.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ cancelAtPeriodEnd: true, status: "active" });
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
