// Every few minutes (SWEEP_CRON): converge what Stripe accepted but nothing carried out, e.g. an
// event recorded while the app was not yet synced with Inngest, or a paused function (issue 8.10).
// The domain work is lib/billing/sweep-stuck-work.ts; this only schedules it as steps, and emits
// `order/paid` for orders the sweep itself moved to paid (fresh ids: none was ever sent for them).
import { inngest } from "@/lib/jobs/client";
import { envSchema, env } from "@/lib/env";
import { paidOrderEvents } from "@/lib/billing/confirm-checkout";
import { convergeAwaitingPayment, convergeUnprocessedEvents, flagStalledProvisioning, recordSweep, type SweepLimits } from "@/lib/billing/sweep-stuck-work";
import { convergeOpenResizes } from "@/lib/resize/sweep-open-resizes";

// Read at import (the schedule is part of the function's registration), without the whole env:
// `next build` imports this file with no secrets set.
const cron = envSchema.shape.SWEEP_CRON.parse(process.env.SWEEP_CRON || undefined);

export const sweepStuckWorkFunction = inngest.createFunction(
  {
    id: "sweep-stuck-work",
    name: "Converge stuck payments and events with Stripe",
    triggers: [{ cron }],
    // One sweep at a time: a slow one (Stripe being slow) is not overtaken by the next.
    concurrency: { limit: 1 },
    retries: 2,
  },
  async ({ step, runId }) => {
    const { SWEEP_AWAITING_PAYMENT_MINUTES, SWEEP_PROVISIONING_MINUTES, SWEEP_UNPROCESSED_EVENT_MINUTES } = env();
    const limits: SweepLimits = {
      awaitingPaymentMinutes: SWEEP_AWAITING_PAYMENT_MINUTES,
      provisioningMinutes: SWEEP_PROVISIONING_MINUTES,
      unprocessedEventMinutes: SWEEP_UNPROCESSED_EVENT_MINUTES,
    };
    const awaitingPayment = await step.run("converge orders awaiting payment", () => convergeAwaitingPayment(limits));
    const unprocessedEvents = await step.run("converge unprocessed stripe events", () => convergeUnprocessedEvents(limits));
    const orderIds = [...new Set([...awaitingPayment.orderPaid, ...unprocessedEvents.orderPaid])];
    if (orderIds.length > 0) {
      // A build for a new VM, or the restore of a kept one (issue 16).
      const events = await step.run("name the paid work", () => paidOrderEvents(orderIds));
      await step.sendEvent("emit order paid", events);
    }
    // After the payment sweep: an order it just moved to paid is not "stalled".
    const stalledProvisioning = await step.run("flag stalled provisioning", () => flagStalledProvisioning(limits));
    const openResizes = await step.run("converge open resizes", () => convergeOpenResizes(SWEEP_AWAITING_PAYMENT_MINUTES));
    return step.run("record sweep", () => recordSweep(runId, { awaitingPayment, unprocessedEvents, stalledProvisioning, openResizes }));
  },
);
