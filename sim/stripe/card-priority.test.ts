// Contract: which card Stripe charges (issue 17, "what the stand-in hides" 1 and 4). Checkout puts
// its card on the subscription; a new customer default does not move it; retries and renewals
// charge the subscription's own default_payment_method first. With nothing to charge, or after a
// hard decline, Smart Retries do not retry: `invoice.payment_failed` with next_payment_attempt null.
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS } from "./renewal";
import { advanceTo as advanceClock, clockNow, DAY, type Rig, startRig, subscribe } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

const advanceTo = (clock: string, unix: number) => advanceClock(rig, clock, Math.max(unix, clockNow(rig, clock)));
const renewalOf = async (subscription: string) =>
  (await rig.stripe.invoices.list({ subscription, limit: 100 })).data.find((i) => i.billing_reason === "subscription_cycle")!;

/** Saves `number` as the customer's invoice default the way the portal's card flow does. */
async function updateCardInPortal(customer: string, number: string): Promise<string> {
  const session = await rig.stripe.billingPortal.sessions.create({
    customer,
    return_url: "http://app.test/billing",
    flow_data: { type: "payment_method_update" },
  });
  const response = await fetch(`${session.url}/card`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ card: number }),
  });
  expect(response.status).toBe(200);
  return ((await rig.stripe.customers.retrieve(customer)) as Stripe.Customer).invoice_settings.default_payment_method as string;
}

describe("the subscription's own payment method comes first", () => {
  it("Checkout sets the subscription's default_payment_method and leaves the customer's invoice default unset", async () => {
    rig = await startRig();
    const { subscription, customer } = await subscribe(rig);
    expect(subscription.default_payment_method).toMatch(/^pm_/);
    expect(((await rig.stripe.customers.retrieve(customer)) as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
  });

  it("a card updated in the portal does not reach the retries while the subscription has its own; set on the subscription, invoices.pay charges it", async () => {
    rig = await startRig({ retryScheduleDays: [3, 5, 7] });
    const { subscription, customer, clock } = await subscribe(rig);
    rig.sim.setCustomerCard(customer, "4000000000000002"); // Checkout's card now declines
    await advanceTo(clock, subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    const renewal = await renewalOf(subscription.id);
    expect(renewal).toMatchObject({ status: "open", attempt_count: 1 });

    const newCard = await updateCardInPortal(customer, "4242424242424242");
    await advanceTo(clock, renewal.next_payment_attempt!);
    // The retry charged the subscription's card (declines again), not the customer's new default.
    expect(await rig.stripe.invoices.retrieve(renewal.id)).toMatchObject({ status: "open", attempt_count: 2 });

    await rig.stripe.subscriptions.update(subscription.id, { default_payment_method: newCard });
    expect(await rig.stripe.invoices.pay(renewal.id, { off_session: true })).toMatchObject({ status: "paid" });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
  });

  it("the customer's default pays a subscription that has none of its own; another customer's card is refused", async () => {
    rig = await startRig();
    const { subscription, customer, clock } = await subscribe(rig);
    const other = await subscribe(rig, { amount: 900 });
    await rig.stripe.subscriptions.update(subscription.id, { default_payment_method: "" });
    rig.sim.setCustomerCard(customer, "4000000000000002");
    const newCard = await updateCardInPortal(customer, "4242424242424242");
    await advanceTo(clock, subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    expect(await renewalOf(subscription.id)).toMatchObject({ status: "paid", attempt_count: 1 });

    const foreign = other.subscription.default_payment_method as string;
    await expect(rig.stripe.subscriptions.update(subscription.id, { default_payment_method: foreign })).rejects.toMatchObject({
      statusCode: 400,
      param: "default_payment_method",
    });
    await expect(rig.stripe.customers.update(customer, { invoice_settings: { default_payment_method: foreign } })).rejects.toMatchObject({ statusCode: 400 });
    await expect(rig.stripe.subscriptions.update(subscription.id, { default_payment_method: newCard })).resolves.toMatchObject({
      default_payment_method: newCard,
    });
  });
});

describe("no retries where Smart Retries make none", () => {
  it("with no payment method anywhere: invoice.payment_failed, next_payment_attempt null, no attempt later, no card error on the intent; invoices.pay says why", async () => {
    rig = await startRig({ retryScheduleDays: [3, 5, 7], dunning: { subscription: "past_due", invoice: "past_due" } });
    const { subscription, clock } = await subscribe(rig);
    await rig.stripe.subscriptions.update(subscription.id, { default_payment_method: "" });
    await advanceTo(clock, subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    const renewal = await renewalOf(subscription.id);
    expect(renewal).toMatchObject({ status: "open", attempt_count: 1, next_payment_attempt: null });
    const failed = rig.sim.events("invoice.payment_failed").at(-1)!.data.object as Stripe.Invoice;
    expect(failed).toMatchObject({ id: renewal.id, next_payment_attempt: null });
    const withPayments = await rig.stripe.invoices.retrieve(renewal.id, { expand: ["payments"] });
    const intent = await rig.stripe.paymentIntents.retrieve(String(withPayments.payments!.data[0]!.payment.payment_intent));
    expect(intent).toMatchObject({ status: "requires_payment_method", last_payment_error: null });

    await advanceTo(clock, clockNow(rig, clock) + 20 * DAY);
    expect(await rig.stripe.invoices.retrieve(renewal.id)).toMatchObject({ status: "open", attempt_count: 1 });
    await expect(rig.stripe.invoices.pay(renewal.id)).rejects.toMatchObject({
      statusCode: 400,
      message: "This customer has no attached payment source or default payment method.",
    });
  });
});
