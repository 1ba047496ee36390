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

  it("advances a test clock from the page's forms (a step, or to a time) and answers JSON to JSON callers", async () => {
    const clock = await rig.stripe.testHelpers.testClocks.create({ frozen_time: 1_800_000_000, name: "rehearsal" });
    await rig.stripe.customers.create({ email: "clocked@example.test", test_clock: clock.id });
    const page = await fetch(`${rig.sim.url}/_sim`).then((r) => r.text());
    expect(page).toContain("Test clocks (1)");
    expect(page).toContain("clocked@example.test");
    const advance = (body: string, type = "application/x-www-form-urlencoded") =>
      fetch(`${rig.sim.url}/_sim/test_clocks/${clock.id}/advance`, { method: "POST", headers: { "content-type": type }, body, redirect: "manual" });
    expect((await advance("seconds=3600")).status).toBe(303);
    expect(rig.sim.store.testClock(clock.id)).toMatchObject({ frozen_time: 1_800_003_600, status: "ready" });
    expect((await advance("frozen_time=2027-01-20T10%3A00")).status).toBe(303);
    expect(rig.sim.store.testClock(clock.id).frozen_time).toBe(Date.UTC(2027, 0, 20, 10) / 1000);
    const json = await fetch(`${rig.sim.url}/_sim/clock`).then((r) => r.json());
    expect(json.testClocks).toEqual([expect.objectContaining({ id: clock.id, frozen_time: Date.UTC(2027, 0, 20, 10) / 1000 })]);
    // Backwards is Stripe's 400 (parameter_invalid), through the control too.
    const refused = await advance(JSON.stringify({ frozen_time: 1_800_000_000 }), "application/json");
    expect(refused.status).toBe(400);
    expect((await fetch(`${rig.sim.url}/_sim/test_clocks/clock_nope/advance`, { method: "POST" })).status).toBe(404);
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
