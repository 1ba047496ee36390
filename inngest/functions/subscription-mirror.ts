// Writes one subscription's mirror from a fresh Stripe read, one run at a time per subscription
// (concurrency keyed by the subscription id, whatever signal started it). The write itself is
// conditional on the read's time too (lib/billing/sync-subscription.ts), because checkout
// confirmation writes the mirror outside this queue.
import { inngest } from "@/lib/jobs/client";
import { billingRestoreRequested, subscriptionSyncRequested } from "@/lib/jobs/events";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { syncSubscription } from "@/lib/billing/sync-subscription";
import { convergeBilling } from "@/lib/billing-state/reconcile";
import { restoreEventId, suspendRequestedEvent } from "@/lib/billing-state/event-ids";
import { deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
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
    // Enforcement (issue 11) in the same serialised run: re-read open invoices, move the billing
    // state, send the warning; suspension and restore are requested from here (I6, I7).
    if (result.action !== "unknown-subscription") {
      const billing = await step.run("apply billing state", () => convergeBilling(subscriptionId).catch(rethrowAs("apply billing state")));
      const events = [
        ...billing.followUp.suspend.map(suspendRequestedEvent),
        ...(billing.restore
          ? [billingRestoreRequested.create(billing.restore, { id: restoreEventId(billing.restore.enforcementId, billing.restore.episode) })]
          : []),
      ];
      if (events.length) await step.sendEvent("request vm enforcement", events);
      // The step's email (the warning, an ending) goes out in this run; a mail outage leaves it for the tick.
      if (billing.changed) await step.run("deliver billing notices", () => deliverBillingNotices().catch(rethrowAs("deliver billing notices")));
    }
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return result;
  },
);
