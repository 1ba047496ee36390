// Contract: the /_sim inspection page and the JSON controls not covered elsewhere.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, startRig, subscribe } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => rig.close());

describe("/_sim", () => {
  it("shows events, deliveries, customers, subscriptions and invoices on the inspection page", async () => {
    const { subscription } = await subscribe(rig);
    await rig.sim.waitForDeliveries();
    const response = await fetch(`${rig.sim.url}/_sim`);
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const heading of ["Events (", "Deliveries (", "Customers (1)", "Subscriptions (1)", "Invoices (1)", "Checkout Sessions (1)"]) {
      expect(html).toContain(heading);
    }
    expect(html).toContain(subscription.id);
    expect(html).toContain("checkout.session.completed");
  });

  it("advances the clock from the page's form and answers JSON to JSON callers", async () => {
    const before = rig.sim.clock.now();
    const form = await fetch(`${rig.sim.url}/_sim/clock/advance`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "seconds=3600",
      redirect: "manual",
    });
    expect(form.status).toBe(303);
    expect(rig.sim.clock.now() - before).toBeGreaterThanOrEqual(3600);
    const json = await fetch(`${rig.sim.url}/_sim/clock`).then((r) => r.json());
    expect(json.offsetSeconds).toBe(3600);
    const refused = await fetch(`${rig.sim.url}/_sim/clock/advance`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seconds: -5 }),
    });
    expect(refused.status).toBe(400);
  });

  it("reports state, refuses unknown controls, and resets", async () => {
    await subscribe(rig);
    const state = await fetch(`${rig.sim.url}/_sim/state`).then((r) => r.json());
    expect(state.customers[0].card).toMatchObject({ last4: "4242", brand: "visa" });
    expect(state.subscriptions[0].status).toBe("active");
    expect((await fetch(`${rig.sim.url}/_sim/nope`, { method: "POST" })).status).toBe(404);

    const reset = await fetch(`${rig.sim.url}/_sim/reset`, { method: "POST" });
    expect(await reset.json()).toEqual({ reset: true });
    expect((await rig.stripe.customers.list()).data).toEqual([]);
    expect(rig.sim.events()).toEqual([]);
  });
});
