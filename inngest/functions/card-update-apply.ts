// Applies a customer's card update (lib/billing/apply-card-update.ts), one run at a time per
// customer: the card read from Stripe goes onto each live subscription, then each one's owed
// renewals are paid now. Steps read as a log; every one is safe to run again (I3): setting the
// card checks it first, and a payment is idempotency-keyed and recorded once per (invoice, card).
import { inngest } from "@/lib/jobs/client";
import { cardUpdateRequested } from "@/lib/jobs/events";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { payOwedRenewals, planCardUpdate, setSubscriptionCard } from "@/lib/billing/apply-card-update";
import { stripeSignalOptions } from "./stripe-signal-options";

export const cardUpdateApplyFunction = inngest.createFunction(
  {
    id: "card-update-apply",
    name: "Put a customer's new card on their subscriptions and pay what they owe",
    triggers: [cardUpdateRequested],
    ...stripeSignalOptions,
    concurrency: { limit: 1, key: "event.data.customerId" },
  },
  async ({ event, step }) => {
    const { customerId, stripeEventId } = event.data;
    const plan = await step.run("read the customer's card", () => planCardUpdate(customerId));
    const payments = [];
    if (plan) {
      for (const subscriptionId of plan.subscriptionIds) {
        await step.run(`set the card on ${subscriptionId}`, () => setSubscriptionCard(subscriptionId, plan.paymentMethodId));
      }
      // Restore follows from each paid invoice's own invoice.paid signal (subscription-mirror, I7).
      for (const subscriptionId of plan.subscriptionIds) {
        payments.push(...(await step.run(`pay owed renewals of ${subscriptionId}`, () => payOwedRenewals(subscriptionId, plan.paymentMethodId))));
      }
    }
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return { customerId, paymentMethodId: plan?.paymentMethodId ?? null, payments };
  },
);
