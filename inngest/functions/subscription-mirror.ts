// Writes one subscription's mirror from a fresh Stripe read, one run at a time per subscription
// (concurrency keyed by the subscription id, whatever signal started it). The write itself is
// conditional on the read's time too (lib/billing/sync-subscription.ts), because checkout
// confirmation writes the mirror outside this queue.
import { inngest } from "@/inngest/client";
import { subscriptionSyncRequested } from "@/inngest/events";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { syncSubscription } from "@/lib/billing/sync-subscription";
import { confirmOpenResizeOf } from "@/lib/resize/confirm-resize-payment";
import { stripeSignalOptions } from "./stripe-signal-options";
import { rethrowAs } from "@/inngest/step-errors";

export const subscriptionMirrorFunction = inngest.createFunction(
  {
    id: "subscription-mirror",
    name: "Sync a subscription mirror",
    triggers: [subscriptionSyncRequested],
    ...stripeSignalOptions,
    concurrency: { limit: 1, key: "event.data.subscriptionId" },
  },
  async ({ event, step }) => {
    const { subscriptionId, stripeEventId } = event.data;
    const result = await step.run("sync subscription mirror", () => syncSubscription(subscriptionId).catch(rethrowAs("sync subscription mirror")));
    // A paid, lapsed or still-open resize of this subscription, settled from a fresh Stripe read.
    await step.run("settle open resize", () => confirmOpenResizeOf(subscriptionId).catch(rethrowAs("settle open resize")));
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return result;
  },
);
