// STRIPE_AUTOMATIC_TAX against a Stripe stand-in of this file's own (its Tax settings are
// account-wide): the Checkout Session the product creates, and a resize quote that equals, to the
// cent, the taxed invoice Stripe then charges.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startStripeSim, type StripeSimHandle } from "@lab-vps/sim/testkit";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { createCheckoutSession } from "@/lib/billing/create-checkout-session";
import { ensureStripeCustomer } from "@/lib/billing/ensure-customer";
import { confirmCheckout, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { seedCatalog } from "@/lib/catalog/seed-catalog";
import { seedResourcePrices } from "@/lib/catalog/seed-data";
import { quoteResize } from "@/lib/resize/quote-resize";
import { requestResize } from "@/lib/resize/request-resize";
import { loadResizePage } from "@/lib/resize/resize-view";
import { invoiceViews } from "@/lib/billing-state/invoice-views";
import { taxSettingsProblems } from "@/lib/doctor/stripe-account-checks";
import { createCheckoutFixture } from "@/test/fixtures/checkout";
import { uniqueVmid } from "@/test/fixtures/vm";

let sim: StripeSimHandle;
const NETHERLANDS = { country: "NL", line1: "Dam 1", city: "Amsterdam", postalCode: "1012 JS" };

beforeAll(async () => {
  // Before the app's Stripe client is first made, so it talks to this stand-in.
  sim = await startStripeSim({ port: 0, webhookUrl: "" });
  process.env.STRIPE_API_URL = sim.url;
  env().STRIPE_API_URL = sim.url;
  await seedCatalog(db);
  await db.proxmoxNode.update({ where: { name: "pve1" }, data: { enabled: true } });
  for (const price of seedResourcePrices) await db.resourcePrice.upsert({ where: { kind: price.kind }, create: price, update: {} });
});
afterAll(async () => {
  env().STRIPE_AUTOMATIC_TAX = false;
  await db.resizeRequest.updateMany({ where: { openKey: { not: null } }, data: { status: "canceled", openKey: null } });
  await sim.close();
});

const activateTax = () =>
  stripe().tax.settings.update({
    head_office: { address: { line1: "1 Lab Street", city: "Berlin", postal_code: "10115", country: "DE" } },
    defaults: { tax_behavior: "exclusive" },
  });

/** A customer's order and its Checkout Session made by the product (createCheckoutSession). */
async function productCheckout() {
  const fixture = await createCheckoutFixture({ amountMinor: 2900 });
  const user = await db.user.findUniqueOrThrow({ where: { id: fixture.userId } });
  const customerId = await ensureStripeCustomer(user);
  const session = await createCheckoutSession({ orderId: fixture.orderId, priceId: fixture.priceId, customerId });
  await db.order.update({ where: { id: fixture.orderId }, data: { stripeCheckoutSessionId: session.id } });
  return { fixture, customerId, session };
}

describe("STRIPE_AUTOMATIC_TAX", () => {
  it("off: the Checkout Session is as before — no automatic tax, no address or tax ID collection", async () => {
    env().STRIPE_AUTOMATIC_TAX = false;
    const { session } = await productCheckout();
    expect(session.automatic_tax.enabled).toBe(false);
    expect(session.billing_address_collection).toBeNull();
    expect(session.tax_id_collection?.enabled ?? false).toBe(false);
  });

  it("on, with Stripe Tax not active: Stripe refuses the checkout, and the doctor names why", async () => {
    env().STRIPE_AUTOMATIC_TAX = true;
    await expect(productCheckout()).rejects.toMatchObject({ code: "stripe_tax_inactive" });
    expect(taxSettingsProblems(await stripe().tax.settings.retrieve())).toEqual([
      "Stripe Tax is pending (missing: head_office)",
      "no head office address",
      "default tax behavior is unset, the pages say prices exclude tax: set it to exclusive",
    ]);
  });

  it("I1: a taxed checkout confirms its order — the customer paid the order's price plus the tax", async () => {
    env().STRIPE_AUTOMATIC_TAX = true;
    await activateTax();
    const { session, fixture } = await productCheckout();
    expect(sim.payCheckout(session.id, { billing: { country: "DE", line1: "Str 1", city: "Berlin", postalCode: "10115" } }).status).toBe("complete");
    const snapshot = await readCheckoutSession(session.id);
    expect(snapshot).toMatchObject({ amountTotal: 2900 + 551, amountTax: 551 });
    expect(await confirmCheckout(snapshot, "evt_tax_test")).toMatchObject({ action: "confirmed", orderId: fixture.orderId, moved: true });
  });

  it("on: Checkout computes tax, requires the billing address, offers tax ID collection, and saves address and business name on our customer", async () => {
    env().STRIPE_AUTOMATIC_TAX = true;
    await activateTax();
    expect(taxSettingsProblems(await stripe().tax.settings.retrieve())).toEqual([]);
    const { session, customerId } = await productCheckout();
    expect(session).toMatchObject({ automatic_tax: { enabled: true }, billing_address_collection: "required", tax_id_collection: { enabled: true } });
    const paid = sim.payCheckout(session.id, { billing: { ...NETHERLANDS, businessName: "Lab BV", taxId: "NL123456789B01" } });
    expect(paid.status).toBe("complete");
    const customer = await stripe().customers.retrieve(customerId);
    expect(customer).toMatchObject({ address: { country: "NL", postal_code: "1012 JS" }, name: "Lab BV" });
    const subscription = await stripe().subscriptions.retrieve(String(paid.session.subscription));
    expect(subscription.automatic_tax.enabled).toBe(true);
  });

  it("I11: the resize quote includes the tax and equals the invoice Stripe charges, tax included; the invoices show the tax", async () => {
    env().STRIPE_AUTOMATIC_TAX = true;
    await activateTax();
    const { session, fixture } = await productCheckout();
    expect(sim.payCheckout(session.id, { billing: NETHERLANDS }).status).toBe("complete");
    const paid = await stripe().checkout.sessions.retrieve(session.id);
    const subscriptionId = String(paid.subscription);
    const order = await db.order.update({ where: { id: fixture.orderId }, data: { stripeSubscriptionId: subscriptionId, status: "provisioned" } });
    await db.plan.update({ where: { id: order.planId }, data: { maxVcpus: 4, maxRamGb: 8, maxDiskGb: 100 } });
    const vm = await db.vm.create({
      data: {
        userId: fixture.userId,
        orderId: order.id,
        planId: order.planId,
        name: order.hostname,
        vmid: uniqueVmid(),
        nodeName: "pve1",
        status: "running",
        labType: "containerlab",
        vcpus: 2,
        ramGb: 4,
        diskGb: 40,
      },
    });

    const quote = await quoteResize({ userId: fixture.userId, vmId: vm.id, totals: { vcpus: 4, ramGb: 8, diskGb: 60 } });
    expect(quote!.tax!.amountMinor).toBeGreaterThan(0);
    // Dutch VAT, 21 % on top of the prorated amount.
    expect(quote!.tax!.amountMinor).toBe(Math.round(((quote!.amountDueMinor - quote!.tax!.amountMinor) * 21) / 100));
    const page = await loadResizePage(fixture.userId, vm.id, quote!.resizeRequestId);
    expect(page!.quote).toMatchObject({ amountDueMinor: quote!.amountDueMinor, taxMinor: quote!.tax!.amountMinor });

    expect(await requestResize({ userId: fixture.userId, resizeRequestId: quote!.resizeRequestId })).toMatchObject({ status: "paid" });
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
    const invoice = await stripe().invoices.retrieve(row.stripeInvoiceId!);
    expect(invoice.total).toBe(quote!.amountDueMinor);
    expect(invoice.amount_paid).toBe(quote!.amountDueMinor);

    const views = await invoiceViews(subscriptionId, { orderRefunded: false });
    const resizeInvoice = views.find((v) => v.id === invoice.id)!;
    expect(resizeInvoice).toMatchObject({ totalMinor: quote!.amountDueMinor, taxMinor: quote!.tax!.amountMinor });
    const first = views.find((v) => v.id !== invoice.id)!;
    expect(first).toMatchObject({ totalMinor: 2900 + 609, taxMinor: 609 });
  });
});
