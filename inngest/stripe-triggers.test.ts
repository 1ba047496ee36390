// subscription-sync's triggers: within Inngest's 10, and matching exactly the handled types.
import { describe, expect, it } from "vitest";
import { invoiceEventTypes, subscriptionEventTypes } from "@/lib/billing/stripe-event-types";
import { matches } from "@/sim/inngest/expr";
import { nameMatches } from "@/sim/inngest/registry";
import { stripeWildcardTriggers } from "./stripe-triggers";

const triggers = stripeWildcardTriggers([...subscriptionEventTypes, ...invoiceEventTypes]);
const starts = (name: string) => triggers.some((t) => nameMatches(t.event, name) && matches(t.if, { event: { name, data: {} } }));

describe("Stripe wildcard triggers", () => {
  it("groups 11 types into 2 triggers (Inngest allows 10)", () => {
    expect(triggers.map((t) => t.event)).toEqual(["stripe/customer.subscription.*", "stripe/invoice.*"]);
  });

  it("start the function for every handled type and for nothing else under the same prefixes", () => {
    for (const type of [...subscriptionEventTypes, ...invoiceEventTypes]) expect(starts(`stripe/${type}`)).toBe(true);
    for (const other of [
      "stripe/invoice.created",
      "stripe/customer.subscription.trial_will_end",
      "stripe/checkout.session.completed",
      "stripe/customer.updated",
    ])
      expect(starts(other)).toBe(false);
  });
});
