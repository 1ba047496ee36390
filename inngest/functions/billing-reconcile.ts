// Daily (BILLING_RECONCILE_CRON): re-read every subscription the mirror shows past_due or unpaid,
// or that the ladder holds anywhere but active, from Stripe, in case a signal was lost (DESIGN §3).
import { inngest } from "@/inngest/client";
import { billingRestoreRequested } from "@/inngest/events";
import { envSchema } from "@/lib/env";
import { restoreEventId } from "@/lib/billing-state/event-ids";
import { listSubscriptionsToReconcile, reconcileSubscription } from "@/lib/billing-state/reconcile";

const cron = envSchema.shape.BILLING_RECONCILE_CRON.parse(process.env.BILLING_RECONCILE_CRON || undefined);

export const billingReconcileFunction = inngest.createFunction(
  { id: "billing-reconcile", name: "Reconcile overdue subscriptions with Stripe", triggers: [{ cron }], concurrency: { limit: 1 }, retries: 2 },
  async ({ step }) => {
    const ids = await step.run("list overdue subscriptions", () => listSubscriptionsToReconcile());
    let restored = 0;
    for (const id of ids) {
      const result = await step.run(`reconcile ${id}`, () => reconcileSubscription(id));
      if (result.restore) {
        const { enforcementId, episode } = result.restore;
        await step.sendEvent(`request restore ${id}`, billingRestoreRequested.create(result.restore, { id: restoreEventId(enforcementId, episode) }));
        restored++;
      }
    }
    return { checked: ids.length, restored };
  },
);
