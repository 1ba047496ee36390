// Subscription and invoice signals refresh the subscription mirror from Stripe. Mirror only:
// suspending or restoring anything is the enforcement ladder's job (I6, I7), not this function's.
import { inngest } from "@/inngest/client";
import { stripeSignal, stripeSignalsFor } from "@/inngest/events";
import { invoiceEventTypes, isInvoiceEventType, subscriptionEventTypes } from "@/lib/billing/stripe-event-types";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { stripeSignalOptions } from "./stripe-signal-options";
import { findInvoiceSubscriptionId, syncSubscription } from "@/lib/billing/sync-subscription";

export const subscriptionSyncFunction = inngest.createFunction(
  {
    id: "subscription-sync",
    name: "Sync a subscription mirror",
    triggers: stripeSignalsFor([...subscriptionEventTypes, ...invoiceEventTypes]),
    ...stripeSignalOptions,
  },
  async ({ event, step }) => {
    // The SDK does not infer a payload from a computed trigger list; the schema is the same one.
    const { stripeEventId, type, objectId } = stripeSignal.parse(event.data);
    const subscriptionId = isInvoiceEventType(type)
      ? await step.run("find invoice subscription", () => findInvoiceSubscriptionId(objectId))
      : objectId;
    const result = subscriptionId
      ? await step.run("sync subscription mirror", () => syncSubscription(subscriptionId))
      : { action: "not-a-subscription-invoice" as const };
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return result;
  },
);
