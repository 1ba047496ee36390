// Card signals name different objects (a customer, a SetupIntent), so runs keyed by the signal's
// object could apply one customer's card update side by side. This function only resolves which
// customer a signal is about (re-read from Stripe) and hands it to card-update-apply, which runs
// one at a time per customer. Its triggers derive from the catalogue (cardEventTypes).
import { inngest } from "@/lib/jobs/client";
import { cardUpdateRequested, stripeSignal, stripeSignalsFor } from "@/lib/jobs/events";
import { cardEventTypes } from "@/lib/billing/stripe-event-types";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { customerOfCardSignal } from "@/lib/billing/apply-card-update";
import { stripeSignalOptions } from "./stripe-signal-options";

export const cardUpdateSignalFunction = inngest.createFunction(
  {
    id: "card-update-signal",
    name: "Route a card signal to its customer",
    triggers: stripeSignalsFor(cardEventTypes),
    ...stripeSignalOptions,
  },
  async ({ event, step }) => {
    const { stripeEventId, type, objectId } = stripeSignal.parse(event.data);
    const customerId = await step.run("find the signal's customer", () => customerOfCardSignal(type, objectId));
    if (!customerId) {
      await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
      return { action: "no-customer" as const };
    }
    // card-update-apply marks the Stripe event processed once the update is applied.
    await step.sendEvent("request card update", cardUpdateRequested.once({ customerId, stripeEventId }));
    return { action: "card-update-requested" as const, customerId };
  },
);
