// The enforcement ladder on a clock (BILLING_TICK_CRON, I6): one pass computes every due step from
// state and time (no Stripe call per row), applies each once, hands Proxmox work to the suspend and
// delete functions, stops suspended VMs found running, and delivers queued billing emails.
import { inngest } from "@/inngest/client";
import { billingDeleteRequested, billingSuspendRequested } from "@/inngest/events";
import { envSchema } from "@/lib/env";
import { runLadderTick } from "@/lib/billing-state/apply-ladder";
import { stopSuspendedVmsFoundRunning } from "@/lib/billing-state/enforce-vm";
import { deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
import { suspendEventId, deleteEventId } from "@/lib/billing-state/event-ids";

// Read at import without the whole env: `next build` imports this file with no secrets set.
const cron = envSchema.shape.BILLING_TICK_CRON.parse(process.env.BILLING_TICK_CRON || undefined);

export const billingLadderFunction = inngest.createFunction(
  { id: "billing-ladder", name: "Billing enforcement ladder tick", triggers: [{ cron }], concurrency: { limit: 1 }, retries: 2 },
  async ({ step }) => {
    const tick = await step.run("apply due ladder steps", () => runLadderTick());
    const events = [
      ...tick.suspend.map((s) => billingSuspendRequested.create(s, { id: suspendEventId(s.enforcementId, s.suspendedAt) })),
      ...tick.delete.map((d) => billingDeleteRequested.create(d, { id: deleteEventId(d.enforcementId) })),
    ];
    if (events.length) await step.sendEvent("request vm enforcement", events);
    const stoppedAgain = await step.run("stop suspended vms found running", () => stopSuspendedVmsFoundRunning());
    const mail = await step.run("deliver billing notices", () => deliverBillingNotices());
    return { due: tick.due, applied: tick.applied, suspend: tick.suspend.length, delete: tick.delete.length, stoppedAgain: stoppedAgain.length, mail };
  },
);
