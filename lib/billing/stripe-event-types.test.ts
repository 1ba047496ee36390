import { describe, expect, it } from "vitest";
import { stripeEventName } from "@/inngest/events";
import { checkoutCompletedFunction } from "@/inngest/functions/checkout-completed";
import { checkoutExpiredFunction } from "@/inngest/functions/checkout-expired";
import { subscriptionSyncFunction } from "@/inngest/functions/subscription-sync";
import { handledStripeEventTypes, isHandledStripeEventType } from "./stripe-event-types";

const triggerNames = (fn: { opts: { triggers?: unknown } }) =>
  (fn.opts.triggers as Array<{ event?: string }>).map((t) => t.event).filter((e): e is string => Boolean(e));

describe("Stripe event allow-list", () => {
  it("holds exactly the types the product acts on", () => {
    expect([...handledStripeEventTypes].sort()).toEqual(
      [
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
        "checkout.session.expired",
        "customer.subscription.created",
        "customer.subscription.deleted",
        "customer.subscription.pending_update_applied",
        "customer.subscription.pending_update_expired",
        "customer.subscription.updated",
        "invoice.paid",
        "invoice.payment_action_required",
        "invoice.payment_failed",
        "invoice.payment_succeeded",
      ].sort(),
    );
    expect(isHandledStripeEventType("customer.created")).toBe(false);
    expect(isHandledStripeEventType("charge.succeeded")).toBe(false);
  });

  it("forwards every Stripe event a function listens for (a trigger outside the list would never fire)", () => {
    const forwarded = new Set(handledStripeEventTypes.map(stripeEventName));
    const triggers = [checkoutCompletedFunction, checkoutExpiredFunction, subscriptionSyncFunction].flatMap(triggerNames);
    expect(triggers.length).toBe(2 + 1 + 9);
    for (const name of triggers) expect(forwarded.has(name as ReturnType<typeof stripeEventName>), name).toBe(true);
  });

  it("I3: every forwarded type has a function listening (none is recorded and then lost)", () => {
    const triggers = new Set([checkoutCompletedFunction, checkoutExpiredFunction, subscriptionSyncFunction].flatMap(triggerNames));
    for (const type of handledStripeEventTypes) expect(triggers.has(stripeEventName(type)), type).toBe(true);
  });
});
