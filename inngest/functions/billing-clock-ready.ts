// A billing rehearsal's test clock finished advancing (Stripe test mode, issue 16): the accounts on
// it have a new "now". The clock is re-read from Stripe (the webhook is a signal), and the ladder
// runs for those accounts on it at once — rungs, retention, deletions, failed-build refunds — the
// same work the scheduled tick does for everyone (billing-ladder.ts), so a rehearsal needs no wait.
import { inngest } from "@/lib/jobs/client";
import { testClockReady } from "@/lib/jobs/events";
import { markStripeEventProcessed } from "@/lib/billing/receive-stripe-event";
import { refreshBillingClock } from "@/lib/billing-state/billing-clock";
import { runBillingClockWork } from "@/lib/billing-state/clock-work";
import { deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
import { stripeSignalOptions } from "./stripe-signal-options";

export const billingClockReadyFunction = inngest.createFunction(
  { id: "billing-clock-ready", name: "Run the ladder on an advanced test clock", triggers: [testClockReady], ...stripeSignalOptions },
  async ({ event, step }) => {
    const { objectId: testClockId, stripeEventId } = event.data;
    const frozen = await step.run("re-read test clock", () => refreshBillingClock(testClockId));
    const work = await step.run("apply due ladder steps", () => runBillingClockWork({ testClockId }));
    if (work.events.length) await step.sendEvent("request billing work", work.events);
    const mail = await step.run("deliver billing notices", () => deliverBillingNotices());
    await step.run("mark stripe event processed", () => markStripeEventProcessed(stripeEventId));
    return { frozen, due: work.due, applied: work.applied, requested: work.events.length, mail };
  },
);
