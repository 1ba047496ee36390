// Daily (BILLING_RECONCILE_CRON): re-read every subscription the mirror shows past_due or unpaid,
// or that the ladder holds anywhere but active, from Stripe, in case a signal was lost (DESIGN §3).
// Inngest fails a run past 1,000 steps, so this run only lists and fans out (one step.sendEvent
// per RECONCILE_BATCH subscriptions); each subscription is reconciled by a run of its own
// (billing-reconcile-subscription.ts).
import { inngest } from "@/lib/jobs/client";
import { billingReconcileRequested } from "@/lib/jobs/events";
import { envSchema } from "@/lib/env";
import { listSubscriptionsToReconcile } from "@/lib/billing-state/reconcile";

const cron = envSchema.shape.BILLING_RECONCILE_CRON.parse(process.env.BILLING_RECONCILE_CRON || undefined);

/** Events per step.sendEvent: 500 small events stay far below the 512 KiB-per-event and request limits. */
export const RECONCILE_BATCH = 500;

/** Steps one reconcile run takes for `count` subscriptions: the listing, then one send per batch. */
export const reconcileStepBudget = (count: number) => 1 + Math.ceil(count / RECONCILE_BATCH);

export const billingReconcileFunction = inngest.createFunction(
  { id: "billing-reconcile", name: "Reconcile overdue subscriptions with Stripe", triggers: [{ cron }], concurrency: { limit: 1 }, retries: 2 },
  async ({ event, step }) => {
    const ids = await step.run("list overdue subscriptions", () => listSubscriptionsToReconcile());
    for (let start = 0; start < ids.length; start += RECONCILE_BATCH) {
      const batch = ids.slice(start, start + RECONCILE_BATCH);
      await step.sendEvent(
        `request reconcile ${start / RECONCILE_BATCH + 1}`,
        // One id per subscription and nightly run: a replayed batch is stored once (I3).
        batch.map((subscriptionId) => billingReconcileRequested.once({ subscriptionId }, event.id!)),
      );
    }
    return { checked: ids.length, batches: Math.ceil(ids.length / RECONCILE_BATCH) };
  },
);
