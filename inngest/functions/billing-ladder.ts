// The enforcement ladder on a clock (BILLING_TICK_CRON, I6): one pass computes every due step from
// state and each customer's billing clock (no Stripe call per row), applies each once, hands
// Proxmox work to the suspend and delete functions and failed builds' refunds to theirs, stops
// suspended VMs found running (and VMs held apart from billing, issue 25), and delivers queued
// billing emails.
import { inngest } from "@/lib/jobs/client";
import { envSchema } from "@/lib/env";
import { runBillingClockWork } from "@/lib/billing-state/clock-work";
import { stopSuspendedVmsFoundRunning } from "@/lib/billing-state/enforce-vm";
import { deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
import { stopHeldVmsFoundRunning } from "@/lib/vm-holds/stop-held-found-running";

// Read at import without the whole env: `next build` imports this file with no secrets set.
const cron = envSchema.shape.BILLING_TICK_CRON.parse(process.env.BILLING_TICK_CRON || undefined);

export const billingLadderFunction = inngest.createFunction(
  { id: "billing-ladder", name: "Billing enforcement ladder tick", triggers: [{ cron }], concurrency: { limit: 1 }, retries: 2 },
  async ({ step }) => {
    const work = await step.run("apply due ladder steps", () => runBillingClockWork());
    if (work.events.length) await step.sendEvent("request vm enforcement", work.events);
    const stoppedAgain = await step.run("stop suspended vms found running", () => stopSuspendedVmsFoundRunning());
    const heldStoppedAgain = await step.run("stop held vms found running", () => stopHeldVmsFoundRunning());
    const mail = await step.run("deliver billing notices", () => deliverBillingNotices());
    return {
      due: work.due,
      applied: work.applied,
      suspend: work.suspend,
      delete: work.delete,
      refunds: work.refunds,
      stoppedAgain: stoppedAgain.length,
      heldStoppedAgain: heldStoppedAgain.length,
      mail,
    };
  },
);
