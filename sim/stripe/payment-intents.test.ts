// An invoice's PaymentIntent as the pinned API links it: the invoice's default InvoicePayment is
// `open` from finalization and names the PaymentIntent, whose `last_payment_error` says why the
// last attempt failed (Stripe's customer-safe card message) or whose status asks for 3-D Secure.
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS } from "./renewal";
import { advanceTo, type Rig, startRig, subscribe } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

const post = (path: string, body: object) =>
  fetch(`${rig.sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());

/** A paid subscription whose renewal is then attempted (and finalized) with `card`. */
async function renewalWith(card: string) {
  rig = await startRig();
  const { subscription, customer, clock } = await subscribe(rig, { amount: 1200 });
  await post(`/_sim/customers/${customer}/card`, { number: card });
  const end = subscription.items.data[0]!.current_period_end;
  await advanceTo(rig, clock, end + RENEWAL_DRAFT_SECONDS);
  const [renewal] = (await rig.stripe.invoices.list({ subscription: subscription.id })).data.filter((i) => i.billing_reason === "subscription_cycle");
  return { customer, invoice: await rig.stripe.invoices.retrieve(renewal!.id, { expand: ["payments"] }) };
}

const defaultIntent = async (invoice: Stripe.Invoice) => {
  const payment = invoice.payments!.data.find((p) => p.is_default)!;
  return { payment, intent: await rig.stripe.paymentIntents.retrieve(String(payment.payment.payment_intent)) };
};

describe("invoice PaymentIntents", () => {
  it("a declined attempt: the default payment stays open and the intent carries Stripe's decline", async () => {
    const { invoice } = await renewalWith("4000000000009995");
    const { payment, intent } = await defaultIntent(invoice);
    expect(payment).toMatchObject({ status: "open", amount_paid: null, amount_requested: 1200 });
    expect(intent).toMatchObject({
      status: "requires_payment_method",
      amount: 1200,
      last_payment_error: { type: "card_error", code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
    });
  });

  it("paid later: the same default payment becomes paid (one payment, not two) and the intent succeeded without an error", async () => {
    const { invoice, customer } = await renewalWith("4000000000000002");
    expect(invoice.status).toBe("open");
    await post(`/_sim/customers/${customer}/card`, { number: "4242424242424242" });
    await rig.stripe.invoices.pay(invoice.id);
    const paid = await rig.stripe.invoices.retrieve(invoice.id, { expand: ["payments"] });
    expect(paid.payments!.data).toHaveLength(1);
    const { payment, intent } = await defaultIntent(paid);
    expect(payment).toMatchObject({ status: "paid", amount_paid: 1200 });
    expect(intent).toMatchObject({ status: "succeeded", last_payment_error: null, amount_received: 1200 });
  });

  it("a 3-D Secure card off-session asks for action; an unknown intent is resource_missing", async () => {
    const { invoice } = await renewalWith("4000002760003184");
    expect((await defaultIntent(invoice)).intent).toMatchObject({ status: "requires_action", next_action: { type: "use_stripe_sdk" } });
    await expect(rig.stripe.paymentIntents.retrieve("pi_3nothing")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });
});
