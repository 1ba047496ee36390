// Contract: the clock drives renewals, failed payments, smart retries and the final status;
// paying the open invoice (API, portal page, control) makes the subscription active again.
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS as DRAFT } from "./renewal";
import { advanceTo as advanceClock, DAY, type Rig, startRig, subscribe, waitFor } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

const eventsAfter = (rig: Rig, count: number) => rig.sim.events().slice(count);

async function setCard(customer: string, number: string) {
  const response = await fetch(`${rig.sim.url}/_sim/customers/${customer}/card`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ number }),
  });
  expect(response.status).toBe(200);
}

/** The one customer's test clock in each test (each test subscribes once before moving time). */
let clock = "";
const advanceTo = (unix: number) => advanceClock(rig, clock, unix);

async function latestInvoice(subscription: string) {
  const sub = await rig.stripe.subscriptions.retrieve(subscription, { expand: ["latest_invoice"] });
  return { sub, invoice: sub.latest_invoice as Stripe.Invoice };
}

describe("renewals", () => {
  it("renews at period end with a subscription_cycle invoice paid by the saved card", async () => {
    rig = await startRig();
    let subscription;
    ({ subscription, clock } = await subscribe(rig));
    const period = subscription.items.data[0];
    const before = rig.sim.events().length;
    // The renewal invoice is a draft for an hour, then finalized and charged.
    const advanced = await advanceTo(period.current_period_end + DRAFT);
    expect(advanced).toMatchObject({ status: "ready", frozen_time: period.current_period_end + DRAFT + 1 });

    const { sub, invoice } = await latestInvoice(subscription.id);
    expect(sub.status).toBe("active");
    expect(sub.items.data[0].current_period_start).toBe(period.current_period_end);
    expect(invoice).toMatchObject({
      billing_reason: "subscription_cycle",
      status: "paid",
      amount_paid: 1500,
      period_start: period.current_period_start,
      period_end: period.current_period_end,
      parent: { subscription_details: { subscription: subscription.id } },
    });
    expect(invoice.lines.data[0].period).toEqual({ start: sub.items.data[0].current_period_start, end: sub.items.data[0].current_period_end });
    const events = eventsAfter(rig, before);
    expect(events.map((e) => e.type)).toEqual([
      "test_helpers.test_clock.advancing",
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "test_helpers.test_clock.ready",
    ]);
    expect(events[1].data.previous_attributes).toHaveProperty("items");
    expect(events[1].created).toBe(period.current_period_end);
    const invoices = await rig.stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(["subscription_cycle", "subscription_create"]);
  });

  it("like Stripe's dunning: a declining card makes the subscription past_due, retries at +3/+5/+7 days, then unpaid", async () => {
    rig = await startRig();
    const subscribed = await subscribe(rig);
    const { subscription, customer } = subscribed;
    clock = subscribed.clock;
    await setCard(customer, "4000000000000002");
    const end = subscription.items.data[0].current_period_end + DRAFT; // the first attempt
    await advanceTo(end);

    let { sub, invoice } = await latestInvoice(subscription.id);
    expect(sub.status).toBe("past_due");
    expect(invoice).toMatchObject({ status: "open", attempt_count: 1, attempted: true, next_payment_attempt: end + 3 * DAY });
    const pastDue = rig.sim.events("customer.subscription.updated").at(-1)!;
    expect(pastDue.data.previous_attributes).toEqual({ status: "active" });

    await advanceTo(end + 3 * DAY);
    ({ invoice } = await latestInvoice(subscription.id));
    expect(invoice).toMatchObject({ attempt_count: 2, next_payment_attempt: end + 8 * DAY });
    await advanceTo(end + 8 * DAY);
    await advanceTo(end + 15 * DAY);
    ({ sub, invoice } = await latestInvoice(subscription.id));
    expect(invoice).toMatchObject({ status: "open", attempt_count: 4, next_payment_attempt: null });
    expect(sub.status).toBe("unpaid");
    expect(rig.sim.events("customer.subscription.updated").at(-1)!.data.previous_attributes).toEqual({ status: "past_due" });
    expect(rig.sim.events("invoice.payment_failed")).toHaveLength(4);
    await waitFor(() => rig.receiver.types().filter((t) => t === "invoice.payment_failed").length === 4);
  });

  it("cancels after the last retry when configured, with customer.subscription.deleted", async () => {
    rig = await startRig({ dunning: { subscription: "cancel", invoice: "past_due" }, retryScheduleDays: [1] });
    const subscribed = await subscribe(rig);
    const { subscription, customer } = subscribed;
    clock = subscribed.clock;
    await setCard(customer, "4000000000009995");
    const end = subscription.items.data[0].current_period_end + DRAFT;
    await advanceTo(end);
    await advanceTo(end + DAY);
    const deleted = rig.sim.events("customer.subscription.deleted");
    expect(deleted).toHaveLength(1);
    expect(deleted[0].data.object).toMatchObject({ status: "canceled", cancellation_details: { reason: "payment_failed" } });
    expect(rig.sim.events("invoice.payment_failed").at(-1)!.data.object).toMatchObject({ next_payment_attempt: null });
  });
});

describe("like Stripe: paying the open invoice restores the subscription", () => {
  async function pastDue() {
    rig = await startRig();
    const subscribed = await subscribe(rig);
    clock = subscribed.clock;
    await setCard(subscribed.customer, "4000000000000002");
    await advanceTo(subscribed.subscription.items.data[0].current_period_end + DRAFT);
    const { invoice } = await latestInvoice(subscribed.subscription.id);
    return { ...subscribed, invoice };
  }

  it("through invoices.pay: a decline is a StripeCardError, a good card pays and reactivates", async () => {
    const { subscription, customer, invoice } = await pastDue();
    const declined = await rig.stripe.invoices.pay(invoice.id).catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });

    await setCard(customer, "4242424242424242");
    const before = rig.sim.events().length;
    const paid = await rig.stripe.invoices.pay(invoice.id);
    expect(paid).toMatchObject({ status: "paid", amount_remaining: 0 });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
    const events = eventsAfter(rig, before);
    expect(events.map((e) => e.type)).toEqual(["invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]);
    expect(events[2].data.previous_attributes).toEqual({ status: "past_due" });
  });

  it("through the billing portal page: change the card, then pay", async () => {
    const { subscription, customer, invoice } = await pastDue();
    const portal = await rig.stripe.billingPortal.sessions.create({ customer, return_url: "http://app.test/billing" });
    expect(portal.id).toMatch(/^bps_/);
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain("visa ending in 0002");
    expect(page).toContain(`name="invoice" value="${invoice.id}"`);
    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${portal.url}/${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });

    const stillDeclined = await form("pay", { invoice: invoice.id });
    expect(stillDeclined.status).toBe(402);
    expect(await form("card", { card: "4242 4242 4242 4242" }).then((r) => r.text())).toContain("Your card was updated.");
    expect(await form("pay", { invoice: invoice.id }).then((r) => r.text())).toContain("Payment received");
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
    expect(rig.sim.events("payment_method.attached")).toHaveLength(1);
  });

  it("through the hosted invoice page and the /_sim control", async () => {
    const { subscription, invoice } = await pastDue();
    const hosted = await fetch(invoice.hosted_invoice_url!).then((r) => r.text());
    expect(hosted).toContain("Amount due");
    const viaControl = await fetch(`${rig.sim.url}/_sim/invoices/${invoice.id}/pay`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ card: "4242424242424242" }),
    }).then((r) => r.json());
    expect(viaControl).toMatchObject({ paid: true, invoice: { status: "paid" } });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
  });
});

describe("cancellation and refunds", () => {
  it("cancels now, or at period end without a renewal invoice", async () => {
    rig = await startRig();
    const now = await subscribe(rig);
    const canceled = await rig.stripe.subscriptions.cancel(now.subscription.id);
    expect(canceled).toMatchObject({ status: "canceled", cancellation_details: { reason: "cancellation_requested" } });
    expect(rig.sim.events("customer.subscription.deleted")).toHaveLength(1);
    expect((await rig.stripe.subscriptions.list({ customer: now.customer })).data).toEqual([]);
    expect((await rig.stripe.subscriptions.list({ customer: now.customer, status: "all" })).data).toHaveLength(1);

    const later = await subscribe(rig, { amount: 900 });
    clock = later.clock;
    const updated = await rig.stripe.subscriptions.update(later.subscription.id, { cancel_at_period_end: true });
    expect(updated).toMatchObject({ cancel_at_period_end: true, cancel_at: later.subscription.items.data[0].current_period_end });
    await advanceTo(later.subscription.items.data[0].current_period_end);
    expect((await rig.stripe.subscriptions.retrieve(later.subscription.id)).status).toBe("canceled");
    expect((await rig.stripe.invoices.list({ subscription: later.subscription.id })).data).toHaveLength(1);
  });

  it("refunds a paid invoice's payment, in part and then the rest", async () => {
    rig = await startRig();
    const { session } = await subscribe(rig);
    const invoice = await rig.stripe.invoices.retrieve(String(session.invoice), { expand: ["payments"] });
    const paymentIntent = String(invoice.payments!.data[0].payment.payment_intent);
    expect(paymentIntent).toMatch(/^pi_/);

    const partial = await rig.stripe.refunds.create({ payment_intent: paymentIntent, amount: 500, reason: "requested_by_customer" });
    expect(partial).toMatchObject({ object: "refund", amount: 500, status: "succeeded", payment_intent: paymentIntent });
    expect(partial.id).toMatch(/^re_/);
    expect((await rig.stripe.refunds.retrieve(partial.id)).amount).toBe(500);
    await expect(rig.stripe.refunds.create({ payment_intent: paymentIntent, amount: 1001 })).rejects.toMatchObject({ code: "amount_too_large" });
    expect((await rig.stripe.refunds.create({ payment_intent: paymentIntent })).amount).toBe(1000);
    await expect(rig.stripe.refunds.create({ payment_intent: paymentIntent })).rejects.toMatchObject({ code: "charge_already_refunded" });
    expect(rig.sim.events("refund.created")).toHaveLength(2);
  });
});

describe("invoice documents and drafts", () => {
  it("a finalized invoice links its PDF; a renewal draft can be deleted, a finalized invoice cannot", async () => {
    rig = await startRig();
    let subscription, session;
    ({ subscription, session, clock } = await subscribe(rig));
    const first = await rig.stripe.invoices.retrieve(String(session.invoice));
    expect(first.invoice_pdf).toMatch(/\/i\/in_[^/]+\/pdf$/);
    const pdf = await fetch(first.invoice_pdf!);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect((await pdf.text()).startsWith("%PDF-")).toBe(true);
    await expect(rig.stripe.invoices.del(first.id)).rejects.toMatchObject({ message: "You can only delete draft invoices." });

    // At the period end the renewal invoice is a draft for an hour: deleting it is Stripe's way to skip it.
    await advanceTo(subscription.items.data[0].current_period_end);
    const draft = (await rig.stripe.invoices.list({ subscription: subscription.id, status: "draft" })).data[0];
    expect(draft.invoice_pdf).toBeNull();
    expect(await rig.stripe.invoices.del(draft.id)).toEqual({ id: draft.id, object: "invoice", deleted: true });
    expect(rig.sim.events("invoice.deleted")).toHaveLength(1);
    await expect(rig.stripe.invoices.retrieve(draft.id)).rejects.toMatchObject({ code: "resource_missing" });
  });
});
