// Subscription and invoice signals refresh the subscription mirror from Stripe. Mirror only:
// suspending or restoring anything is the enforcement ladder's job (I6, I7), not this function's.
import { z } from "zod";
import { inngest } from "@/inngest/client";
import { stripeEventName } from "@/inngest/events";
import { invoiceEventTypes, isInvoiceEventType, subscriptionEventTypes } from "@/lib/billing/stripe-event-types";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { stripeSignalOptions } from "./stripe-signal-options";
import { findInvoiceSubscriptionId, syncSubscription } from "@/lib/billing/sync-subscription";

// inngest/events.ts types only the checkout signals; these carry the same payload.
const signal = z.object({ stripeEventId: z.string(), type: z.string(), objectId: z.string() });

export const subscriptionSyncFunction = inngest.createFunction(
  {
    id: "subscription-sync",
    name: "Sync a subscription mirror",
    triggers: [...subscriptionEventTypes, ...invoiceEventTypes].map((type) => ({ event: stripeEventName(type) })),
    ...stripeSignalOptions,
  },
  async ({ event, step }) => {
    const { stripeEventId, type, objectId } = signal.parse(event.data);
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
