// Contract: customer portal configurations and sessions (issue 17). A session uses its
// configuration (else the account's default), the hosted portal offers only what that
// configuration enables, a payment_method_update flow ends where after_completion says, and a card
// saved there becomes the customer's invoice default only (subscriptions keep their own).
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { type Rig, startRig, subscribe } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

const OWNED: Stripe.BillingPortal.ConfigurationCreateParams = {
  features: {
    payment_method_update: { enabled: true },
    invoice_history: { enabled: true },
    subscription_update: { enabled: false },
    subscription_cancel: { enabled: false },
    customer_update: { enabled: false },
  },
  default_return_url: "http://app.test/billing",
  metadata: { labvps: "card-update" },
  name: "Card update",
};

const post = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });

describe("portal configurations", () => {
  it("create, retrieve, update and list (with the account's default), features and metadata as given", async () => {
    rig = await startRig();
    const created = await rig.stripe.billingPortal.configurations.create(OWNED);
    expect(created).toMatchObject({
      object: "billing_portal.configuration",
      active: true,
      is_default: false,
      metadata: { labvps: "card-update" },
      default_return_url: "http://app.test/billing",
      features: {
        payment_method_update: { enabled: true },
        invoice_history: { enabled: true },
        subscription_update: { enabled: false },
        subscription_cancel: { enabled: false },
        subscription_pause: { enabled: false },
        customer_update: { enabled: false },
      },
    });
    expect(created.id).toMatch(/^bpc_/);
    expect(await rig.stripe.billingPortal.configurations.retrieve(created.id)).toEqual(created);

    const all = (await rig.stripe.billingPortal.configurations.list({ limit: 100 })).data;
    const account = all.find((c) => c.is_default)!;
    expect(account.features).toMatchObject({ subscription_cancel: { enabled: true }, subscription_update: { enabled: true } });
    expect((await rig.stripe.billingPortal.configurations.list({ is_default: false })).data.map((c) => c.id)).toEqual([created.id]);

    const drifted = await rig.stripe.billingPortal.configurations.update(created.id, { features: { subscription_cancel: { enabled: true } } });
    expect(drifted.features.subscription_cancel.enabled).toBe(true);
    expect(drifted.features.payment_method_update.enabled).toBe(true);
    const inactive = await rig.stripe.billingPortal.configurations.update(created.id, { active: false });
    expect((await rig.stripe.billingPortal.configurations.list({ active: true })).data.map((c) => c.id)).not.toContain(inactive.id);
    expect(rig.sim.events("billing_portal.configuration.created")).toHaveLength(1); // the account's default was already there
    expect(rig.sim.events("billing_portal.configuration.updated")).toHaveLength(2);
  });

  it("refuses a configuration without features, an unknown feature field, and deactivating the default", async () => {
    rig = await startRig();
    await expect(rig.stripe.billingPortal.configurations.create({} as never)).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "features",
    });
    await expect(
      rig.stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true, colour: "red" } } } as never),
    ).rejects.toMatchObject({ code: "parameter_unknown", param: "features[invoice_history][colour]" });
    const account = (await rig.stripe.billingPortal.configurations.list({ is_default: true })).data[0]!;
    await expect(rig.stripe.billingPortal.configurations.update(account.id, { active: false })).rejects.toMatchObject({ statusCode: 400 });
    await expect(rig.stripe.billingPortal.configurations.retrieve("bpc_missing")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });
});

describe("portal sessions", () => {
  it("use the given configuration, else the account's default; an inactive or unknown one is refused", async () => {
    rig = await startRig();
    const { customer } = await subscribe(rig);
    const owned = await rig.stripe.billingPortal.configurations.create(OWNED);
    const plain = await rig.stripe.billingPortal.sessions.create({ customer, return_url: "http://app.test/x" });
    const account = (await rig.stripe.billingPortal.configurations.list({ is_default: true })).data[0]!;
    expect(plain.configuration).toBe(account.id);
    const ours = await rig.stripe.billingPortal.sessions.create({ customer, configuration: owned.id });
    expect(ours).toMatchObject({ configuration: owned.id, return_url: "http://app.test/billing", flow: null });
    await expect(rig.stripe.billingPortal.sessions.create({ customer, configuration: "bpc_nope" })).rejects.toMatchObject({ statusCode: 404 });
    await rig.stripe.billingPortal.configurations.update(owned.id, { active: false });
    await expect(rig.stripe.billingPortal.sessions.create({ customer, configuration: owned.id })).rejects.toMatchObject({
      statusCode: 400,
      param: "configuration",
    });
  });

  it("a payment_method_update flow needs the feature, and a redirect needs its return_url", async () => {
    rig = await startRig();
    const { customer } = await subscribe(rig);
    const noCards = await rig.stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } });
    await expect(
      rig.stripe.billingPortal.sessions.create({ customer, configuration: noCards.id, flow_data: { type: "payment_method_update" } }),
    ).rejects.toMatchObject({ statusCode: 400, param: "flow_data[type]" });
    const owned = await rig.stripe.billingPortal.configurations.create(OWNED);
    await expect(
      rig.stripe.billingPortal.sessions.create({
        customer,
        configuration: owned.id,
        flow_data: { type: "payment_method_update", after_completion: { type: "redirect" } },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "flow_data[after_completion][redirect][return_url]" });
    const session = await rig.stripe.billingPortal.sessions.create({
      customer,
      configuration: owned.id,
      flow_data: { type: "payment_method_update", after_completion: { type: "redirect", redirect: { return_url: "http://app.test/billing?card=updated" } } },
    });
    expect(session.flow).toMatchObject({
      type: "payment_method_update",
      after_completion: { type: "redirect", redirect: { return_url: "http://app.test/billing?card=updated" }, hosted_confirmation: null },
    });
  });
});

describe("the hosted portal", () => {
  async function flowSession(afterCompletion: Stripe.BillingPortal.SessionCreateParams.FlowData.AfterCompletion | undefined, configuration?: string) {
    const subscribed = await subscribe(rig);
    const session = await rig.stripe.billingPortal.sessions.create({
      customer: subscribed.customer,
      return_url: "http://app.test/billing",
      ...(configuration ? { configuration } : {}),
      flow_data: { type: "payment_method_update", ...(afterCompletion ? { after_completion: afterCompletion } : {}) },
    });
    return { ...subscribed, session };
  }

  it("a card saved in the flow becomes the customer's invoice default only, then the customer is redirected (setup_intent.succeeded, customer.updated)", async () => {
    rig = await startRig();
    const owned = await rig.stripe.billingPortal.configurations.create(OWNED);
    const { session, customer, subscription } = await flowSession({ type: "redirect", redirect: { return_url: "http://app.test/billing" } }, owned.id);
    const page = await (await fetch(session.url)).text();
    expect(page).toContain("Update your payment method");
    for (const other of ["Cancel plan", "Update plan", "Update information", "Invoices"]) expect(page).not.toContain(other);

    const done = await post(`${session.url}/card`, { card: "4242 4242 4242 4242" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("http://app.test/billing");

    const after = await rig.stripe.customers.retrieve(customer);
    const newCard = (after as Stripe.Customer).invoice_settings.default_payment_method as string;
    expect(newCard).toMatch(/^pm_/);
    // Checkout's card stays the subscription's own default: Stripe charges that one first.
    const sub = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.default_payment_method).toBe(subscription.default_payment_method);
    expect(sub.default_payment_method).not.toBe(newCard);

    const [succeeded] = rig.sim.events("setup_intent.succeeded");
    expect(succeeded!.data.object).toMatchObject({ status: "succeeded", customer, payment_method: newCard, usage: "off_session" });
    expect(await rig.stripe.setupIntents.retrieve((succeeded!.data.object as Stripe.SetupIntent).id)).toMatchObject({ customer, payment_method: newCard });
    const updated = rig.sim.events("customer.updated").at(-1)!;
    expect(updated.data.previous_attributes).toEqual({ invoice_settings: expect.objectContaining({ default_payment_method: null }) });
  });

  it("after the flow, portal_homepage opens the configuration's whole portal: the account default offers cancel and plan changes, ours only the card and invoices", async () => {
    rig = await startRig();
    const accountFlow = await flowSession(undefined);
    const home = await post(`${accountFlow.session.url}/card`, { card: "4242424242424242" }).then((r) => r.text());
    expect(home).toContain("Your card was updated.");
    expect(home).toContain("Cancel plan");
    expect(home).toContain("Update plan");

    const owned = await rig.stripe.billingPortal.configurations.create(OWNED);
    const ours = await flowSession({ type: "portal_homepage" }, owned.id);
    const page = await post(`${ours.session.url}/card`, { card: "4242424242424242" }).then((r) => r.text());
    expect(page).toContain("Payment method");
    expect(page).toContain("Invoices");
    for (const other of ["Cancel plan", "Update plan", "Update information"]) expect(page).not.toContain(other);
    // Posted by hand, what the configuration does not enable is refused and changes nothing.
    const sub = ours.subscription.id;
    expect((await post(`${ours.session.url}/cancel`, { subscription: sub })).status).toBe(403);
    expect((await post(`${ours.session.url}/quantity`, { subscription: sub, quantity: "3" })).status).toBe(403);
    expect((await post(`${ours.session.url}/details`, { email: "x@example.test" })).status).toBe(403);
    expect(await rig.stripe.subscriptions.retrieve(sub)).toMatchObject({
      cancel_at_period_end: false,
      items: { data: [expect.objectContaining({ quantity: 1 })] },
    });
  });

  it("inside an unfinished flow nothing but the card form answers; hosted_confirmation shows its message", async () => {
    rig = await startRig();
    const open = await flowSession(undefined);
    expect((await post(`${open.session.url}/cancel`, { subscription: open.subscription.id })).status).toBe(403);
    const confirm = await flowSession({ type: "hosted_confirmation", hosted_confirmation: { custom_message: "Back to your lab." } });
    const page = await post(`${confirm.session.url}/card`, { card: "4242424242424242" }).then((r) => r.text());
    expect(page).toContain("Your payment method was updated.");
    expect(page).toContain("Back to your lab.");
  });

  it("a card the issuer declines is not saved (setup_intent.setup_failed); 4000 0000 0000 0341 saves and declines charges later", async () => {
    rig = await startRig();
    const { session, customer } = await flowSession({ type: "redirect", redirect: { return_url: "http://app.test/billing" } });
    const refused = await post(`${session.url}/card`, { card: "4000000000000002" });
    expect(refused.status).toBe(402);
    expect(await refused.text()).toContain("Your card was declined.");
    expect(((await rig.stripe.customers.retrieve(customer)) as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
    expect(rig.sim.events("setup_intent.setup_failed")).toHaveLength(1);
    expect((await post(`${session.url}/card`, { card: "4000000000000341" })).status).toBe(303);
    expect(((await rig.stripe.customers.retrieve(customer)) as Stripe.Customer).invoice_settings.default_payment_method).toMatch(/^pm_/);
  });
});
