// Subscription and invoice signals name different objects (a subscription, an invoice), so runs
// keyed by the signal's object could write one subscription's mirror side by side. This function
// only resolves which subscription a signal is about and hands it to subscription-mirror, which
// runs one at a time per subscription. Mirror only: suspending or restoring anything is the
// enforcement ladder's job (I6, I7).
import { inngest } from "@/lib/jobs/client";
import { stripeSignal, subscriptionSyncRequested } from "@/lib/jobs/events";
import { stripeWildcardTriggers } from "@/inngest/stripe-triggers";
import { invoiceEventTypes, isInvoiceEventType, subscriptionEventTypes } from "@/lib/billing/stripe-event-types";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { findInvoiceSubscriptionId } from "@/lib/billing/sync-subscription";
import { stripeSignalOptions } from "./stripe-signal-options";

export const subscriptionSyncFunction = inngest.createFunction(
  {
    id: "subscription-sync",
    name: "Route a subscription signal to its subscription",
    // Two wildcard triggers, each filtered to the handled types: one per type would be 11, over
    // Inngest's limit of 10 (inngest/stripe-triggers.ts).
    triggers: stripeWildcardTriggers([...subscriptionEventTypes, ...invoiceEventTypes]),
    ...stripeSignalOptions,
  },
  async ({ event, step }) => {
    // The SDK does not infer a payload from a computed trigger list; the schema is the same one.
    const { stripeEventId, type, objectId } = stripeSignal.parse(event.data);
    const subscriptionId = isInvoiceEventType(type) ? await step.run("find invoice subscription", () => findInvoiceSubscriptionId(objectId)) : objectId;
    if (!subscriptionId) {
      await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
      return { action: "not-a-subscription-invoice" as const };
    }
    // subscription-mirror marks the Stripe event processed once the mirror is written.
    await step.sendEvent("request subscription sync", subscriptionSyncRequested.once({ subscriptionId, stripeEventId }));
    return { action: "sync-requested" as const, subscriptionId };
  },
);
