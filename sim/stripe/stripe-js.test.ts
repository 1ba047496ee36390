// Contract: the stand-in's Stripe.js (/v3) and its 3-D Secure challenge page, as the resize page
// uses them: `Stripe(pk).handleNextAction({ clientSecret })` on an invoice's confirmation_secret.
import vm from "node:vm";
import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPlan, type Rig, startRig, subscribe } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => rig.close());

/** An upgrade left pending because the customer's 3-D Secure card needs action; its client secret. */
async function pendingUpgrade() {
  const { subscription, customer } = await subscribe(rig, { amount: 1500 });
  const bigger = await createPlan(rig.stripe, { amount: 3000, lookupKey: "lab_large_monthly" });
  rig.sim.setCustomerCard(customer, "4000002500003155");
  const updated = await rig.stripe.subscriptions.update(subscription.id, {
    items: [{ id: subscription.items.data[0].id, price: bigger.id }],
    proration_behavior: "always_invoice",
    payment_behavior: "pending_if_incomplete",
  });
  const invoice = await rig.stripe.invoices.retrieve(String(updated.latest_invoice), { expand: ["confirmation_secret"] });
  return { subscription, bigger, invoice: invoice as Stripe.Invoice, secret: invoice.confirmation_secret!.client_secret };
}

const threeDs = (secret: string, result?: string) =>
  fetch(`${rig.sim.url}/3ds/${encodeURIComponent(secret)}?origin=${encodeURIComponent("http://app.test")}`, {
    method: result ? "POST" : "GET",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: result ? `result=${result}` : undefined,
  });

describe("stand-in Stripe.js", () => {
  it("defines window.Stripe whose handleNextAction opens the challenge and resolves from its message", async () => {
    const source = await (await fetch(`${rig.sim.url}/v3`)).text();
    const listeners: Array<(event: { origin: string; data: unknown }) => void> = [];
    const opened: string[] = [];
    const window = {
      open: (url: string) => (opened.push(url), {}),
      addEventListener: (_: string, fn: (event: { origin: string; data: unknown }) => void) => listeners.push(fn),
      removeEventListener: () => {},
    } as Record<string, unknown>;
    vm.runInNewContext(source, { window, location: { origin: "http://app.test" } });
    const stripeJs = (window.Stripe as (key: string) => { handleNextAction(o: { clientSecret: string }): Promise<unknown> })("pk_test_x");
    const result = stripeJs.handleNextAction({ clientSecret: "pi_1_secret_abc" });
    expect(opened).toEqual([`${rig.sim.url}/3ds/pi_1_secret_abc?origin=http%3A%2F%2Fapp.test`]);
    listeners[0]!({ origin: "http://evil.test", data: { type: "stripe-sim-3ds", clientSecret: "pi_1_secret_abc", ok: true } }); // ignored
    listeners[0]!({ origin: rig.sim.url, data: { type: "stripe-sim-3ds", clientSecret: "pi_1_secret_abc", ok: true } });
    await expect(result).resolves.toEqual({ paymentIntent: { id: "pi_1", object: "payment_intent", status: "succeeded", client_secret: "pi_1_secret_abc" } });
  });

  it("the challenge page: Fail changes nothing; Complete pays the invoice on-session and applies the pending update", async () => {
    const { subscription, bigger, invoice, secret } = await pendingUpgrade();
    expect((await threeDs(secret)).status).toBe(200);
    const failed = await (await threeDs(secret, "fail")).text();
    expect(failed).toContain("payment_intent_authentication_failure");
    expect((await rig.stripe.invoices.retrieve(invoice.id)).status).toBe("open");

    const done = await (await threeDs(secret, "complete")).text();
    expect(done).toContain('"ok":true');
    expect(done).toContain('"http://app.test"'); // the message goes to the opener's origin only
    expect((await rig.stripe.invoices.retrieve(invoice.id)).status).toBe("paid");
    const applied = await rig.stripe.subscriptions.retrieve(subscription.id);
    expect(applied.items.data[0].price.id).toBe(bigger.id);
    expect(applied.pending_update).toBeNull();
    expect((await threeDs("pi_nope_secret_x")).status).toBe(404);
  });
});
