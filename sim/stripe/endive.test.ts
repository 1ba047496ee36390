// Contract: what the pinned API (2026-10-28.endive) does differently, through the real stripe
// client — Checkout's incomplete → active subscription, flexible billing mode by default, unknown
// and removed parameters refused with `parameter_unknown`, the includable `confirmation_secret`.
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPlan, createSession, type Rig, startRig, subscribe, waitFor } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => rig.close());

const eventsOf = (rig: Rig, type: string, id: string) =>
  rig.receiver.received.map((r) => r.event).filter((e) => e.type === type && (e.data.object as { id: string }).id === id);

describe("a subscription created by Checkout", () => {
  it("starts incomplete and turns active with customer.subscription.updated once its first invoice is paid", async () => {
    const { subscription } = await subscribe(rig);
    await waitFor(() => eventsOf(rig, "customer.subscription.updated", subscription.id).length === 1);
    const [created] = eventsOf(rig, "customer.subscription.created", subscription.id);
    expect((created.data.object as Stripe.Subscription).status).toBe("incomplete");
    const [updated] = eventsOf(rig, "customer.subscription.updated", subscription.id);
    expect((updated.data.object as Stripe.Subscription).status).toBe("active");
    expect(updated.data.previous_attributes).toMatchObject({ status: "incomplete" });
    // Stripe's order: the invoice is paid, then the subscription becomes active.
    const types = rig.receiver.types();
    expect(types.indexOf("invoice.paid")).toBeLessThan(types.indexOf("customer.subscription.updated"));
    expect(subscription.status).toBe("active");
  });

  it("defaults to billing_mode flexible", async () => {
    const { subscription } = await subscribe(rig);
    expect(subscription.billing_mode).toMatchObject({ type: "flexible" });
  });
});

describe("parameters", () => {
  it("refuses payment_method_types on Checkout (removed in endive) with parameter_unknown, and creates nothing", async () => {
    const price = await createPlan(rig.stripe);
    const removed = { payment_method_types: ["card"] } as Partial<Stripe.Checkout.SessionCreateParams>;
    const error = await createSession(rig.stripe, price.id, removed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 400,
      code: "parameter_unknown",
      param: "payment_method_types",
      message: "Received unknown parameter: payment_method_types",
      doc_url: "https://stripe.com/docs/error-codes/parameter-unknown",
    });
    expect((await rig.stripe.checkout.sessions.list()).data).toEqual([]);
  });

  it("names a nested unknown parameter with brackets, on POST and on GET", async () => {
    const price = await createPlan(rig.stripe);
    const nested = { subscription_data: { metadata: {}, trial_period_dayz: 3 } } as unknown as Partial<Stripe.Checkout.SessionCreateParams>;
    await expect(createSession(rig.stripe, price.id, nested)).rejects.toMatchObject({
      code: "parameter_unknown",
      param: "subscription_data[trial_period_dayz]",
    });
    const inList = { line_items: [{ price: price.id, quantity: 1, tax_ratez: ["txr_1"] }] } as unknown as Partial<Stripe.Checkout.SessionCreateParams>;
    await expect(createSession(rig.stripe, price.id, inList)).rejects.toMatchObject({ code: "parameter_unknown", param: "line_items[0][tax_ratez]" });
    const two = { colour: "red", size: "xl" } as Partial<Stripe.Checkout.SessionCreateParams>;
    await expect(createSession(rig.stripe, price.id, two)).rejects.toMatchObject({ param: "colour", message: "Received unknown parameters: colour, size" });
    await expect(rig.stripe.customers.list({ emial: "x@example.test" } as Stripe.CustomerListParams)).rejects.toMatchObject({
      code: "parameter_unknown",
      param: "emial",
      message: "Received unknown parameter: emial",
    });
  });

  it("takes allowed_payment_method_types ['card'] and shows it on the session", async () => {
    const price = await createPlan(rig.stripe);
    const session = await createSession(rig.stripe, price.id, { allowed_payment_method_types: ["card"] });
    expect(session.allowed_payment_method_types).toEqual(["card"]);
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).allowed_payment_method_types).toEqual(["card"]);
  });
});

describe("invoice.confirmation_secret", () => {
  it("is absent unless expanded, and then carries the client secret of the invoice's PaymentIntent", async () => {
    const { session } = await subscribe(rig);
    const invoiceId = String(session.invoice);
    expect(await rig.stripe.invoices.retrieve(invoiceId)).not.toHaveProperty("confirmation_secret");
    const invoice = await rig.stripe.invoices.retrieve(invoiceId, { expand: ["confirmation_secret", "payments"] });
    const paymentIntent = String(invoice.payments!.data[0].payment.payment_intent);
    expect(invoice.confirmation_secret).toEqual({ type: "payment_intent", client_secret: expect.stringMatching(new RegExp(`^${paymentIntent}_secret_\\w+$`)) });
  });
});
