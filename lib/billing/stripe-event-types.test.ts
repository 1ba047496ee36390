// The catalogue, the typed events and the served function list must agree. Expectations come from
// inngest/index.ts (what /api/inngest really serves), not from a restated list or a count.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EventType } from "inngest";
import { functions } from "@/inngest/index";
import { stripeEventName, stripeSignals } from "@/lib/jobs/events";
import { handledStripeEventTypes, isHandledStripeEventType } from "./stripe-event-types";
import { namesMatchedBy, triggerName as nameOf, triggersOf } from "@/test/fixtures/triggers";

const servedStripeTriggers = functions.flatMap((fn) =>
  triggersOf(fn).flatMap((trigger) => (nameOf(trigger)?.startsWith("stripe/") ? [{ fn: fn.id(), trigger, name: nameOf(trigger)! }] : [])),
);
// A wildcard without an `if` naming its types would match anything Stripe adds under its prefix.
for (const { fn, trigger, name } of servedStripeTriggers) if (name.endsWith("*") && !trigger.if) throw new Error(`${fn}: ${name} has no if`);
const servedStripeNames = new Set(servedStripeTriggers.flatMap(({ trigger }) => namesMatchedBy(trigger)));

describe("Stripe event catalogue", () => {
  it("lists each type once and leaves out what the product does not act on", () => {
    expect(new Set(handledStripeEventTypes).size).toBe(handledStripeEventTypes.length);
    expect(isHandledStripeEventType("customer.created")).toBe(false);
    expect(isHandledStripeEventType("charge.succeeded")).toBe(false);
    // Card-only checkout: a forwarded async failure would have no listener (see the catalogue's comment).
    expect(isHandledStripeEventType("checkout.session.async_payment_failed")).toBe(false);
  });

  it("I3: every forwarded type has a served function listening (none is recorded and then lost)", () => {
    expect(servedStripeTriggers.length).toBeGreaterThan(0);
    for (const type of handledStripeEventTypes) expect(servedStripeNames.has(stripeEventName(type)), type).toBe(true);
  });

  it("I3: every served stripe/* trigger is forwarded (a trigger outside the catalogue would never fire)", () => {
    const forwarded = new Set<string>(handledStripeEventTypes.map((type) => stripeEventName(type)));
    for (const { fn, trigger } of servedStripeTriggers) for (const name of namesMatchedBy(trigger)) expect(forwarded.has(name), `${fn}: ${name}`).toBe(true);
  });

  it("every forwarded type has a typed event, and the served functions trigger on those typed events", () => {
    for (const type of handledStripeEventTypes) {
      expect(stripeSignals[type]).toBeInstanceOf(EventType);
      expect(stripeSignals[type].name).toBe(stripeEventName(type));
    }
    // An exact trigger is the catalogue's typed event itself; a wildcard names typed events only.
    const typed = new Set<unknown>(Object.values(stripeSignals));
    const typedNames = new Set<string>(Object.values(stripeSignals).map((e) => e.name));
    for (const { fn, trigger, name } of servedStripeTriggers) {
      if (name.endsWith("*")) for (const matched of namesMatchedBy(trigger)) expect(typedNames.has(matched), `${fn}: ${matched}`).toBe(true);
      else expect(typed.has(trigger), `${fn}: ${name} is not the catalogue's typed event`).toBe(true);
    }
  });

  it("sim/README.md's list of webhook events to enable is exactly the catalogue", () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, "../../sim/README.md"), "utf8");
    const listed = /allow-listed events of `lib\/billing\/stripe-event-types\.ts`: ([^;]+);/.exec(readme)?.[1];
    expect(listed?.split(", ").map((t) => t.replaceAll("`", ""))).toEqual([...handledStripeEventTypes]);
  });

  it("a typed event validates the signal's payload (ids only)", async () => {
    const ok = stripeSignals["invoice.paid"].create({ stripeEventId: "evt_1", type: "invoice.paid", objectId: "in_1", created: 1 }, { id: "evt_1" });
    await ok.validate();
    expect(ok).toMatchObject({ id: "evt_1", name: "stripe/invoice.paid" });
    const bad = stripeSignals["invoice.paid"].create({ stripeEventId: "evt_1" } as never);
    await expect(bad.validate()).rejects.toThrow();
  });
});
