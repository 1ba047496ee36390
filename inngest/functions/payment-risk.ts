// Money taken back or about to be (issue 25): a dispute opened or decided, an issuer's early fraud
// warning. Each run re-reads the dispute or warning from Stripe (the signal carries ids only) and
// hands the VM to the hold mechanism (lib/vm-holds), never to the billing ladder. Two wildcard
// triggers filtered to the handled types (Inngest's limit is 10 per function: inngest/stripe-triggers.ts).
import { inngest } from "@/lib/jobs/client";
import { stripeSignal } from "@/lib/jobs/events";
import { stripeWildcardTriggers } from "@/inngest/stripe-triggers";
import { paymentRiskEventTypes } from "@/lib/billing/stripe-event-types";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { applyDisputeClosed, applyDisputeOpened } from "@/lib/payment-risk/handle-dispute";
import { applyEarlyFraudWarning } from "@/lib/payment-risk/fraud-warning";
import { stripeSignalOptions } from "./stripe-signal-options";

export const paymentRiskFunction = inngest.createFunction(
  {
    id: "payment-risk",
    name: "Act on a disputed or reported payment",
    triggers: stripeWildcardTriggers(paymentRiskEventTypes),
    ...stripeSignalOptions,
  },
  async ({ event, step }) => {
    const { stripeEventId, type, objectId } = stripeSignal.parse(event.data);
    const outcome =
      type === "charge.dispute.created"
        ? await step.run("apply dispute opened", () => applyDisputeOpened(objectId))
        : type === "charge.dispute.closed"
          ? await step.run("apply dispute closed", () => applyDisputeClosed(objectId))
          : await step.run("apply early fraud warning", () => applyEarlyFraudWarning(objectId));
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return outcome;
  },
);
