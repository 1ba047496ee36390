// Contract: Stripe Tax in the stand-in through the real SDK — Tax settings, Checkout's refusals
// (Stripe's own messages), the address and tax ID Checkout collects and saves, taxed invoices, and
// a preview that equals the invoice its update then creates.
import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPlan, createSession, type Rig, startRig } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => rig.close());

const HEAD_OFFICE = { line1: "1 Lab Street", city: "Berlin", postal_code: "10115", country: "DE" };

async function activateTax(stripe: Stripe) {
  return stripe.tax.settings.update({ head_office: { address: HEAD_OFFICE }, defaults: { tax_behavior: "exclusive" } });
}

const TAXED = {
  automatic_tax: { enabled: true },
  billing_address_collection: "required",
  tax_id_collection: { enabled: true },
  customer_update: { address: "auto", name: "auto" },
} as const;

async function existingCustomer() {
  return rig.stripe.customers.create({ email: "ada@example.test", name: "Ada" });
}

describe("Tax settings", () => {
  it("are pending without a head office and active once one is set", async () => {
    const before = await rig.stripe.tax.settings.retrieve();
    expect(before.status).toBe("pending");
    expect(before.status_details.pending?.missing_fields).toEqual(["head_office"]);
    const after = await activateTax(rig.stripe);
    expect(after.status).toBe("active");
    expect(after.head_office?.address.country).toBe("DE");
    expect(after.defaults.tax_behavior).toBe("exclusive");
  });
});

describe("Checkout with automatic tax", () => {
  it("is refused while Stripe Tax is not active", async () => {
    const price = await createPlan(rig.stripe);
    const customer = await existingCustomer();
    await expect(createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, ...TAXED })).rejects.toMatchObject({
      code: "stripe_tax_inactive",
      message: expect.stringContaining("Stripe Tax has not been activated on your account"),
    });
  });

  it("for an existing customer with no address, is refused unless Checkout may save the address", async () => {
    await activateTax(rig.stripe);
    const price = await createPlan(rig.stripe);
    const customer = await existingCustomer();
    await expect(
      createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, automatic_tax: { enabled: true } }),
    ).rejects.toMatchObject({ code: "customer_tax_location_invalid", message: expect.stringContaining("`customer_update[address]` to 'auto'") });
  });

  it("with tax ID collection for an existing customer, is refused without customer_update[name]=auto", async () => {
    await activateTax(rig.stripe);
    const price = await createPlan(rig.stripe);
    const customer = await existingCustomer();
    await expect(
      createSession(rig.stripe, price.id, {
        customer: customer.id,
        customer_email: undefined,
        automatic_tax: { enabled: true },
        tax_id_collection: { enabled: true },
        customer_update: { address: "auto" },
      }),
    ).rejects.toMatchObject({ message: expect.stringContaining("please set `customer_update[name]` to `auto`") });
  });

  it("refuses customer_update without a customer", async () => {
    const price = await createPlan(rig.stripe);
    await expect(createSession(rig.stripe, price.id, { customer_update: { address: "auto" } })).rejects.toMatchObject({ param: "customer_update" });
  });

  it("asks for the billing address, saves it and the business tax ID on the customer, and taxes the invoice", async () => {
    await activateTax(rig.stripe);
    const price = await createPlan(rig.stripe, { amount: 1500 });
    const customer = await existingCustomer();
    const session = await createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, ...TAXED });
    expect(session.automatic_tax.enabled).toBe(true);
    expect(session.billing_address_collection).toBe("required");

    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('<label for="country">Country</label>');
    expect(page).toContain("I'm purchasing as a business");

    const missing = rig.sim.payCheckout(session.id, {});
    expect(missing).toMatchObject({ status: "declined", error: expect.stringContaining("billing address is incomplete") });
    const badTaxId = rig.sim.payCheckout(session.id, {
      billing: { country: "FR", line1: "2 Rue", city: "Paris", postalCode: "75001", businessName: "Ada SARL", taxId: "DE123" },
    });
    expect(badTaxId).toMatchObject({ status: "declined", error: "Your tax ID is invalid." });

    const paid = rig.sim.payCheckout(session.id, {
      billing: { country: "FR", line1: "2 Rue", city: "Paris", postalCode: "75001", businessName: "Ada SARL", taxId: "FR12345678901" },
    });
    expect(paid.status).toBe("complete");
    const after = await rig.stripe.customers.retrieve(customer.id);
    expect(after).toMatchObject({ address: { country: "FR", postal_code: "75001" }, name: "Ada SARL" });
    const taxIds = await rig.stripe.customers.listTaxIds(customer.id);
    expect(taxIds.data.map((t) => [t.type, t.value])).toEqual([["eu_vat", "FR12345678901"]]);

    const subscription = await rig.stripe.subscriptions.retrieve(String(paid.session.subscription));
    expect(subscription.automatic_tax.enabled).toBe(true);
    const invoice = await rig.stripe.invoices.retrieve(String(subscription.latest_invoice));
    // A French business buying from a German head office: EU reverse charge, no tax.
    expect(invoice.total_taxes).toEqual([expect.objectContaining({ amount: 0, taxability_reason: "reverse_charge" })]);
    expect(invoice.total).toBe(1500);
  });

  it("a consumer pays the country's rate on top of an exclusive price, on every invoice", async () => {
    await activateTax(rig.stripe);
    const price = await createPlan(rig.stripe, { amount: 1500 });
    const customer = await existingCustomer();
    const session = await createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, ...TAXED });
    const paid = rig.sim.payCheckout(session.id, { billing: { country: "NL", line1: "Dam 1", city: "Amsterdam", postalCode: "1012" } });
    expect(paid.status).toBe("complete");
    expect(paid.session.total_details?.amount_tax).toBe(315);
    expect(paid.session.amount_total).toBe(1815);
    const subscription = await rig.stripe.subscriptions.retrieve(String(paid.session.subscription));
    const invoice = await rig.stripe.invoices.retrieve(String(subscription.latest_invoice));
    expect(invoice).toMatchObject({
      subtotal: 1500,
      total_excluding_tax: 1500,
      total: 1815,
      amount_paid: 1815,
      automatic_tax: { enabled: true, status: "complete" },
    });
    expect(invoice.total_taxes).toEqual([
      expect.objectContaining({ amount: 315, tax_behavior: "exclusive", taxability_reason: "standard_rated", taxable_amount: 1500 }),
    ]);
    expect(invoice.lines.data[0].taxes?.[0]).toMatchObject({ amount: 315 });
  });

  it("a preview with automatic_tax equals the total of the update invoice it previews; without it, no tax", async () => {
    await activateTax(rig.stripe);
    const price = await createPlan(rig.stripe, { amount: 1500 });
    const bigger = await createPlan(rig.stripe, { amount: 4000, lookupKey: "lab_big" });
    const customer = await existingCustomer();
    const session = await createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, ...TAXED });
    const paid = rig.sim.payCheckout(session.id, { billing: { country: "DE", line1: "Str 1", city: "Berlin", postalCode: "10115" } });
    const subscription = await rig.stripe.subscriptions.retrieve(String(paid.session.subscription));
    const items = [{ id: subscription.items.data[0].id, price: bigger.id }];
    const prorationDate = Math.floor(Date.now() / 1000);
    const details = { items, proration_behavior: "always_invoice" as const, proration_date: prorationDate };
    const untaxed = await rig.stripe.invoices.createPreview({ customer: customer.id, subscription: subscription.id, subscription_details: details });
    const taxed = await rig.stripe.invoices.createPreview({
      customer: customer.id,
      subscription: subscription.id,
      automatic_tax: { enabled: true },
      subscription_details: details,
    });
    expect(untaxed.total_taxes).toEqual([]);
    expect(taxed.total).toBe(untaxed.total + Math.round(untaxed.lines.data[0].amount * 0.19) + Math.round(untaxed.lines.data[1].amount * 0.19));
    expect(taxed.total).toBeGreaterThan(untaxed.total);

    const updated = await rig.stripe.subscriptions.update(subscription.id, {
      items,
      proration_behavior: "always_invoice",
      proration_date: prorationDate,
      payment_behavior: "pending_if_incomplete",
    });
    const invoice = await rig.stripe.invoices.retrieve(String(updated.latest_invoice));
    expect(invoice.total).toBe(taxed.total);
    expect(invoice.amount_paid).toBe(taxed.amount_due);
  });

  it("a preview asking for tax is refused while Stripe Tax is not active", async () => {
    const price = await createPlan(rig.stripe);
    const customer = await existingCustomer();
    const session = await createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined });
    const paid = rig.sim.payCheckout(session.id, {});
    const subscription = String(paid.session.subscription);
    await expect(rig.stripe.invoices.createPreview({ customer: customer.id, subscription, automatic_tax: { enabled: true } })).rejects.toMatchObject({
      code: "stripe_tax_inactive",
    });
  });
});
