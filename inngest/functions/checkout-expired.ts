// Stripe says a checkout session expired: re-read it, and expire the order only if Stripe agrees
// and the order is still waiting for that session's payment.
import { inngest } from "@/lib/jobs/client";
import { checkoutExpired } from "@/lib/jobs/events";
import { readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { expireCheckout } from "@/lib/billing/expire-checkout";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { stripeSignalOptions } from "./stripe-signal-options";

export const checkoutExpiredFunction = inngest.createFunction(
  {
    id: "checkout-expired",
    name: "Expire an abandoned checkout",
    triggers: [checkoutExpired],
    ...stripeSignalOptions,
  },
  async ({ event, step }) => {
    const { objectId: sessionId, stripeEventId } = event.data;
    const session = await step.run("re-read checkout session", () => readCheckoutSession(sessionId));
    const result = await step.run("expire order", () => expireCheckout(session, stripeEventId));
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return result;
  },
);
