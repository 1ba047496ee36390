// Stripe says a checkout finished: confirm the money against Stripe itself, then (only then) ask
// for provisioning (I1). Replays, duplicates and re-runs converge: the transition is conditional
// and `order/paid` carries a fixed id, so one order starts one provisioning (I3).
import { inngest } from "@/lib/jobs/client";
import { checkoutAsyncSucceeded, checkoutCompleted } from "@/lib/jobs/events";
import { confirmCheckout, paidOrderEvents, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { stripeSignalOptions } from "./stripe-signal-options";
import { sendPaymentReceipt } from "@/lib/email/customer-notices";

export const checkoutCompletedFunction = inngest.createFunction(
  {
    id: "checkout-completed",
    name: "Confirm a paid checkout",
    triggers: [checkoutCompleted, checkoutAsyncSucceeded],
    ...stripeSignalOptions,
  },
  async ({ event, step }) => {
    const { objectId: sessionId, stripeEventId } = event.data;
    const session = await step.run("re-read checkout session", () => readCheckoutSession(sessionId));
    const result = await step.run("confirm payment", () => confirmCheckout(session, stripeEventId));
    if (result.action === "confirmed" && result.emitOrderPaid) {
      // A build for a new VM, or the restore of a kept one (issue 16).
      const events = await step.run("name the paid work", () => paidOrderEvents([result.orderId]));
      await step.sendEvent("emit order paid", events);
    }
    if (result.action === "confirmed") await step.run("send receipt", () => sendPaymentReceipt(result.orderId));
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return result;
  },
);
