// One subscription of the nightly reconcile (billing-reconcile.ts fans out to this): re-read it from
// Stripe, converge the ladder, and ask for a restore when a paid invoice lifted a suspension.
import { inngest } from "@/lib/jobs/client";
import { billingReconcileRequested, billingRestoreRequested } from "@/lib/jobs/events";
import { reconcileSubscription } from "@/lib/billing-state/reconcile";

export const billingReconcileSubscriptionFunction = inngest.createFunction(
  {
    id: "billing-reconcile-subscription",
    name: "Reconcile one subscription with Stripe",
    triggers: [billingReconcileRequested],
    // One run per subscription at a time, and a few at once overall so Stripe's rate limit holds.
    concurrency: [{ limit: 1, key: "event.data.subscriptionId" }, { limit: 5 }],
    retries: 2,
  },
  async ({ event, step }) => {
    const id = event.data.subscriptionId;
    const result = await step.run(`reconcile ${id}`, () => reconcileSubscription(id));
    if (result.restore) await step.sendEvent(`request restore ${id}`, billingRestoreRequested.once(result.restore));
    return { subscriptionId: id, restored: Boolean(result.restore) };
  },
);
