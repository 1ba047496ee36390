// Contract: resizing a subscription — proration previews, always_invoice with each
// payment_behavior, and the pending update that applies only when its invoice is paid.
import { RENEWAL_DRAFT_SECONDS } from "./renewal";
import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clockNow, createPlan, DAY, type Rig, startRig, subscribe } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => rig.close());

async function upgradeSetup(card = "4242424242424242") {
  const subscribed = await subscribe(rig, { amount: 1500 });
  const bigger = await createPlan(rig.stripe, { amount: 3000, lookupKey: "lab_large_monthly" });
  if (card !== "4242424242424242") rig.sim.setCustomerCard(subscribed.customer, card);
  // Half-way through the period, so the proration is visibly partial.
  const item = subscribed.subscription.items.data[0];
  const half = Math.floor((item.current_period_end - item.current_period_start) / 2);
  await rig.sim.advanceTestClock(subscribed.clock, { seconds: half });
  return { ...subscribed, item, bigger, prorationDate: clockNow(rig, subscribed.clock) };
}

function upgrade(sub: string, item: string, price: string, extra: Partial<Stripe.SubscriptionUpdateParams> = {}) {
  return rig.stripe.subscriptions.update(sub, {
    items: [{ id: item, price }],
    proration_behavior: "always_invoice",
    payment_behavior: "pending_if_incomplete",
    expand: ["latest_invoice"],
    ...extra,
  });
}

describe("invoice preview", () => {
  it("prices the proration exactly as the update then charges it", async () => {
    const { subscription, item, bigger, prorationDate } = await upgradeSetup();
    const preview = await rig.stripe.invoices.createPreview({
      customer: String(subscription.customer),
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: bigger.id }], proration_behavior: "always_invoice", proration_date: prorationDate },
    });
    expect(preview.id).toMatch(/^upcoming_/);
    expect(preview.lines.data.map((l) => Math.sign(l.amount))).toEqual([-1, 1]);
    expect(preview.lines.data.every((l) => l.parent?.subscription_item_details?.proration)).toBe(true);
    expect(preview.amount_due).toBeGreaterThan(700);
    expect(preview.amount_due).toBeLessThan(800);
    expect((await rig.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);

    const updated = await upgrade(subscription.id, item.id, bigger.id, { proration_date: prorationDate });
    expect((updated.latest_invoice as Stripe.Invoice).amount_paid).toBe(preview.amount_due);
  });

  it("shows the next renewal at the new price when prorations wait for it", async () => {
    const { subscription, item, bigger } = await upgradeSetup();
    const preview = await rig.stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: bigger.id }] },
    });
    expect(preview.billing_reason).toBe("upcoming");
    expect(preview.lines.data.map((l) => l.amount).at(-1)).toBe(3000);
    expect(preview.next_payment_attempt).toBe(item.current_period_end);
  });
});

describe("pending_if_incomplete", () => {
  it("applies the change at once when the proration invoice is paid", async () => {
    const { subscription, item, bigger } = await upgradeSetup();
    const before = rig.sim.events().length;
    const updated = await upgrade(subscription.id, item.id, bigger.id);
    expect(updated.items.data[0].price.id).toBe(bigger.id);
    expect(updated.pending_update).toBeNull();
    expect(updated.latest_invoice).toMatchObject({ billing_reason: "subscription_update", status: "paid" });
    const events = rig.sim.events().slice(before);
    expect(events.map((e) => e.type)).toEqual([
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "customer.subscription.updated",
    ]);
    expect(events.at(-1)!.data.previous_attributes).toHaveProperty("items");
  });

  it("keeps the old items and records pending_update when the invoice is not paid; paying applies it", async () => {
    const { subscription, customer, item, bigger, clock } = await upgradeSetup("4000000000000002");
    const updated = await upgrade(subscription.id, item.id, bigger.id);
    expect(updated.items.data[0].price.id).toBe(item.price.id);
    expect(updated.status).toBe("active");
    expect(updated.pending_update?.subscription_items?.[0].price.id).toBe(bigger.id);
    expect(updated.pending_update!.expires_at).toBe(clockNow(rig, clock) + 23 * 3600);
    const invoice = updated.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: "open", billing_reason: "subscription_update" });
    expect(rig.sim.events("invoice.payment_failed")).toHaveLength(1);

    rig.sim.setCustomerCard(customer, "4242424242424242");
    await rig.stripe.invoices.pay(invoice.id);
    const applied = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(applied.items.data[0].price.id).toBe(bigger.id);
    expect(applied.pending_update).toBeNull();
    const [event] = rig.sim.events("customer.subscription.pending_update_applied");
    expect(event.data.previous_attributes).toHaveProperty("pending_update");
  });

  it("lets an unpaid pending update lapse: invoice voided, pending_update_expired, items unchanged", async () => {
    const { subscription, item, bigger, clock } = await upgradeSetup("4000000000009995");
    const updated = await upgrade(subscription.id, item.id, bigger.id);
    await rig.sim.advanceTestClock(clock, { seconds: DAY });
    const after = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(after.pending_update).toBeNull();
    expect(after.items.data[0].price.id).toBe(item.price.id);
    expect((await rig.stripe.invoices.retrieve((updated.latest_invoice as Stripe.Invoice).id)).status).toBe("void");
    expect(rig.sim.events("customer.subscription.pending_update_expired")).toHaveLength(1);
  });

  it("is on-session: a 3-D Secure card leaves a pending update needing action; the hosted page pays and applies it", async () => {
    const { subscription, item, bigger } = await upgradeSetup("4000002500003155");
    const updated = await upgrade(subscription.id, item.id, bigger.id, { metadata: { resizeRequestId: "rr_1" } });
    expect(updated.items.data[0].price.id).toBe(item.price.id);
    expect(updated.pending_update).not.toBeNull();
    expect(updated.metadata).not.toHaveProperty("resizeRequestId");
    const invoice = updated.latest_invoice as Stripe.Invoice;
    expect(rig.sim.events("invoice.payment_action_required").map((e) => (e.data.object as Stripe.Invoice).id)).toEqual([invoice.id]);
    const withSecret = await rig.stripe.invoices.retrieve(invoice.id, { expand: ["confirmation_secret"] });
    expect(withSecret.confirmation_secret?.client_secret).toMatch(/_secret_/);

    expect(rig.sim.payInvoice(invoice.id).paid).toBe(true); // what the hosted invoice page does
    const applied = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(applied.items.data[0].price.id).toBe(bigger.id);
    expect(applied.pending_update).toBeNull();
    // Metadata sent with a pending update is merged when it applies, keeping what was there.
    expect(applied.metadata).toMatchObject({ ...subscription.metadata, resizeRequestId: "rr_1" });
  });

  it("the expire_pending_update control does what the clock passing expires_at does", async () => {
    const { subscription, item, bigger } = await upgradeSetup("4000000000000002");
    const updated = await upgrade(subscription.id, item.id, bigger.id);
    const response = await fetch(`${rig.sim.url}/_sim/subscriptions/${subscription.id}/expire_pending_update`, { method: "POST" });
    expect(response.status).toBe(200);
    const after = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(after.pending_update).toBeNull();
    expect(after.items.data[0].price.id).toBe(item.price.id);
    expect((await rig.stripe.invoices.retrieve((updated.latest_invoice as Stripe.Invoice).id)).status).toBe("void");
    expect(rig.sim.events("customer.subscription.pending_update_expired")).toHaveLength(1);
  });

  it("caps expires_at at the period end when that comes before 23 h", async () => {
    const { subscription, item, bigger, clock } = await upgradeSetup("4000000000000002");
    await rig.sim.advanceTestClock(clock, item.current_period_end - 3600);
    const current = await rig.stripe.subscriptions.retrieve(subscription.id);
    const updated = await upgrade(subscription.id, current.items.data[0].id, bigger.id);
    expect(updated.pending_update!.expires_at).toBe(current.items.data[0].current_period_end);
  });

  it("replaces an earlier pending update: its invoice is voided, the new one's applies alone", async () => {
    const { subscription, customer, item, bigger } = await upgradeSetup("4000000000000002");
    const largest = await createPlan(rig.stripe, { amount: 6000, lookupKey: "lab_xl_monthly" });
    const first = (await upgrade(subscription.id, item.id, bigger.id)).latest_invoice as Stripe.Invoice;
    const second = await upgrade(subscription.id, item.id, largest.id);
    expect((await rig.stripe.invoices.retrieve(first.id)).status).toBe("void");
    expect(rig.sim.events("invoice.voided").map((e) => (e.data.object as Stripe.Invoice).id)).toEqual([first.id]);
    expect(second.pending_update?.subscription_items?.[0].price.id).toBe(largest.id);
    rig.sim.setCustomerCard(customer, "4242424242424242");
    await rig.stripe.invoices.pay((second.latest_invoice as Stripe.Invoice).id);
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).items.data[0].price.id).toBe(largest.id);
    expect(rig.sim.events("customer.subscription.pending_update_applied")).toHaveLength(1);
  });

  it("refuses parameters a pending update cannot carry", async () => {
    const { subscription, item, bigger } = await upgradeSetup();
    await expect(upgrade(subscription.id, item.id, bigger.id, { cancel_at_period_end: true })).rejects.toMatchObject({
      statusCode: 400,
      param: "cancel_at_period_end",
    });
  });
});

describe("other payment behaviors", () => {
  it("error_if_incomplete answers 402 and changes nothing; allow_incomplete applies and falls past_due", async () => {
    const { subscription, item, bigger } = await upgradeSetup("4000000000000002");
    await expect(upgrade(subscription.id, item.id, bigger.id, { payment_behavior: "error_if_incomplete" })).rejects.toMatchObject({
      statusCode: 402,
      code: "card_declined",
    });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).items.data[0].price.id).toBe(item.price.id);

    const applied = await upgrade(subscription.id, item.id, bigger.id, { payment_behavior: "allow_incomplete" });
    expect(applied.items.data[0].price.id).toBe(bigger.id);
    expect(applied.status).toBe("past_due");
  });

  it("create_prorations adds the proration to the next renewal invoice", async () => {
    const { subscription, item, bigger, clock } = await upgradeSetup();
    await rig.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: bigger.id }] });
    expect((await rig.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
    // Past the renewal's draft hour, so it is finalized and charged.
    await rig.sim.advanceTestClock(clock, item.current_period_end + RENEWAL_DRAFT_SECONDS);
    const [renewal] = (await rig.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data;
    expect(renewal.billing_reason).toBe("subscription_cycle");
    expect(renewal.lines.data.filter((l) => l.parent?.subscription_item_details?.proration)).toHaveLength(2);
    expect(renewal.amount_paid).toBeGreaterThan(3000);
  });
});
