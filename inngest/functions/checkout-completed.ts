// Stripe says a checkout finished: confirm the money against Stripe itself, then (only then) ask
// for provisioning (I1). Replays, duplicates and re-runs converge: the transition is conditional
// and `order/paid` carries a fixed id, so one order starts one provisioning (I3).
import { inngest } from "@/inngest/client";
import { checkoutAsyncSucceeded, checkoutCompleted, orderPaid } from "@/inngest/events";
import { confirmCheckout, orderPaidEventId, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { stripeSignalOptions } from "./stripe-signal-options";
import { rethrowAs } from "@/inngest/step-errors";
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
    const session = await step.run("re-read checkout session", () => readCheckoutSession(sessionId).catch(rethrowAs("re-read checkout session")));
    const result = await step.run("confirm payment", () => confirmCheckout(session, stripeEventId).catch(rethrowAs("confirm payment")));
    if (result.action === "confirmed" && result.emitOrderPaid) {
      await step.sendEvent("emit order paid", orderPaid.create({ orderId: result.orderId, attempt: 1 }, { id: orderPaidEventId(result.orderId, 1) }));
    }
    if (result.action === "confirmed") await step.run("send receipt", () => sendPaymentReceipt(result.orderId));
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return result;
  },
);
