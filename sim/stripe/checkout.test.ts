// Contract: the hosted checkout page driven like a browser (GET the page, POST its form), the
// shortcut control, expiry, and the signed events that follow.
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPlan, createSession, DAY, type Rig, SECRET, startRig, waitFor } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => rig.close());

const CHECKOUT_EVENTS = [
  "customer.created",
  "customer.subscription.created",
  "invoice.created",
  "invoice.finalized",
  "invoice.paid",
  "invoice.payment_succeeded",
  "customer.subscription.updated",
  "checkout.session.completed",
];

/** Reads the page's first form the way a browser would see it. */
async function openForm(url: string) {
  const response = await fetch(url);
  const html = await response.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  return { status: response.status, html, action: action ?? "" };
}

async function post(rig: Rig, action: string, fields: Record<string, string>) {
  const response = await fetch(new URL(action, rig.sim.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  return { status: response.status, location: response.headers.get("location"), html: await response.text() };
}

const billingTypes = (rig: Rig) => rig.receiver.types().filter((t) => !t.startsWith("product.") && !t.startsWith("price."));

describe("hosted checkout page", () => {
  it("pays with 4242, redirects to success_url and delivers the events in Stripe's order, signed", async () => {
    const price = await createPlan(rig.stripe);
    const session = await createSession(rig.stripe, price.id);
    const page = await openForm(session.url!);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<label for="card-number">Card number</label>');
    expect(page.html).toContain("$15.00");
    for (const button of [">Pay<", ">Decline<", ">Cancel<"]) expect(page.html).toContain(button);

    const paid = await post(rig, page.action, { card: "4242 4242 4242 4242", action: "pay" });
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`http://app.test/checkout/success?session_id=${session.id}`);

    await waitFor(() => billingTypes(rig).length === CHECKOUT_EVENTS.length);
    expect(billingTypes(rig)).toEqual(CHECKOUT_EVENTS);
    expect(rig.receiver.rejected).toEqual([]);
    const completed = rig.receiver.received.find((r) => r.event.type === "checkout.session.completed")!;
    expect(new Stripe("sk_test_x").webhooks.constructEvent(completed.raw, completed.signature, SECRET).id).toBe(completed.event.id);
    expect(completed.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(completed.event).toMatchObject({ object: "event", api_version: "2026-10-28.endive", livemode: false, request: { id: null } });

    const done = completed.event.data.object as Stripe.Checkout.Session;
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", client_reference_id: "order_1", metadata: { orderId: "order_1" } });
    const sub = await rig.stripe.subscriptions.retrieve(String(done.subscription), { expand: ["latest_invoice"] });
    expect(sub).toMatchObject({ status: "active", customer: done.customer, metadata: { orderId: "order_1" } });
    const item = sub.items.data[0];
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * DAY);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({
      status: "paid",
      billing_reason: "subscription_create",
      amount_due: 1500,
      amount_paid: 1500,
      parent: { subscription_details: { subscription: sub.id, metadata: { orderId: "order_1" } } },
    });
    expect(invoice.hosted_invoice_url).toBe(`${rig.sim.url}/i/${invoice.id}`);

    const paidEvent = rig.receiver.received.find((r) => r.event.type === "invoice.paid")!.event;
    expect((await rig.stripe.events.retrieve(paidEvent.id)).type).toBe("invoice.paid");
    expect((await rig.stripe.events.list({ type: "invoice.*" })).data.map((e) => e.type)).toEqual([
      "invoice.payment_succeeded",
      "invoice.paid",
      "invoice.finalized",
      "invoice.created",
    ]);
    expect((await openForm(session.url!)).html).toContain("already complete");
  });

  it("shows declines on the page and leaves the session open (Decline button, insufficient funds)", async () => {
    const price = await createPlan(rig.stripe);
    const session = await createSession(rig.stripe, price.id);
    const { action } = await openForm(session.url!);

    const declined = await post(rig, action, { action: "decline" });
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('role="alert">Your card was declined.');
    const broke = await post(rig, action, { action: "pay", card: "4000000000009995" });
    expect(broke.html).toContain("Your card has insufficient funds.");
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    expect(rig.sim.events().filter((e) => !/^(product|price)\./.test(e.type))).toEqual([]);

    expect((await post(rig, action, { action: "pay", card: "4242424242424242" })).status).toBe(303);
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).status).toBe("complete");
  });

  it("asks 4000 0025 0000 3155 for 3-D Secure: Fail keeps the session open, Complete pays", async () => {
    const price = await createPlan(rig.stripe);
    const session = await createSession(rig.stripe, price.id);
    const { action } = await openForm(session.url!);

    const challenge = await post(rig, action, { action: "pay", card: "4000002500003155" });
    expect(challenge).toMatchObject({ status: 303, location: `/checkout/${session.id}` });
    const auth = await openForm(session.url!);
    expect(auth.html).toContain("Authenticate this payment");
    expect(auth.action).toBe(`/checkout/${session.id}/3ds`);
    const failed = await post(rig, auth.action, { result: "fail" });
    expect(failed.html).toContain("We are unable to authenticate your payment method");
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");

    await post(rig, action, { action: "pay", card: "4000002500003155" });
    const completed = await post(rig, auth.action, { result: "complete" });
    expect(completed.status).toBe(303);
    expect(completed.location).toContain(session.id);
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe("paid");
  });

  it("Cancel sends the browser to cancel_url without closing the session", async () => {
    const price = await createPlan(rig.stripe);
    const session = await createSession(rig.stripe, price.id);
    const canceled = await post(rig, (await openForm(session.url!)).action, { action: "cancel" });
    expect(canceled).toMatchObject({ status: 303, location: "http://app.test/checkout/cancel" });
    expect((await rig.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
  });

  it("asks for an email when the session has neither customer nor customer_email", async () => {
    const price = await createPlan(rig.stripe);
    const session = await createSession(rig.stripe, price.id, { customer_email: undefined });
    const page = await openForm(session.url!);
    expect(page.html).toContain('<label for="email">Email</label>');
    expect((await post(rig, page.action, { action: "pay", card: "4242424242424242" })).html).toContain("Your email is incomplete.");
    await post(rig, page.action, { action: "pay", card: "4242424242424242", email: "new@example.test" });
    const done = await rig.stripe.checkout.sessions.retrieve(session.id, { expand: ["customer"] });
    expect((done.customer as Stripe.Customer).email).toBe("new@example.test");
  });
});

describe("checkout shortcut and expiry", () => {
  it("pays or declines through POST /_sim/checkout/:id/pay", async () => {
    const price = await createPlan(rig.stripe);
    const session = await createSession(rig.stripe, price.id);
    const pay = (card: string) =>
      fetch(`${rig.sim.url}/_sim/checkout/${session.id}/pay`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ card }),
      }).then((r) => r.json());
    expect(await pay("4000000000000002")).toMatchObject({ status: "declined", error: "Your card was declined." });
    expect(await pay("4242424242424242")).toMatchObject({ status: "complete", session: { status: "complete" } });
    expect(await pay("4242424242424242")).toMatchObject({ status: "closed" });
  });

  it("expires on `expire` and when the clock passes expires_at, with checkout.session.expired", async () => {
    const price = await createPlan(rig.stripe);
    const first = await createSession(rig.stripe, price.id);
    const expired = await rig.stripe.checkout.sessions.expire(first.id);
    expect(expired).toMatchObject({ status: "expired", url: null });
    await expect(rig.stripe.checkout.sessions.expire(first.id)).rejects.toMatchObject({ statusCode: 400 });

    // A session for a customer on a test clock expires on that clock (real time cannot be moved).
    const clock = await rig.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) - 86_400 });
    const customer = await rig.stripe.customers.create({ email: "late@example.test", test_clock: clock.id });
    const second = await createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined, expires_at: clock.frozen_time + 3600 });
    expect(second.created).toBe(clock.frozen_time);
    await rig.sim.advanceTestClock(clock.id, clock.frozen_time + 3601);
    expect((await rig.stripe.checkout.sessions.retrieve(second.id)).status).toBe("expired");
    expect((await openForm(second.url!)).html).toContain("no longer active");

    await waitFor(() => rig.receiver.types().filter((t) => t === "checkout.session.expired").length === 2);
    const events = rig.receiver.received.filter((r) => r.event.type === "checkout.session.expired");
    expect(events.map((r) => (r.event.data.object as Stripe.Checkout.Session).id)).toEqual([first.id, second.id]);
    expect(events[1].event.created).toBe(second.expires_at);
  });
});
