// Payment restores (I7): the blocks were lifted by the Stripe sync itself; this starts the VM again
// when it was running at suspension and RESTORE_POWER=previous, and sends one "access restored".
import { inngest } from "@/lib/jobs/client";
import { billingRestoreRequested } from "@/lib/jobs/events";
import { restoreVmPower } from "@/lib/billing-state/enforce-vm";
import { queueBillingNotice, deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
import { recordEnforcementFailure } from "@/lib/billing-state/billing-state";

export const billingRestoreVmFunction = inngest.createFunction(
  {
    id: "billing-restore-vm",
    name: "Restore a VM after payment",
    triggers: [billingRestoreRequested],
    concurrency: { limit: 1, key: "event.data.enforcementId" },
    retries: 6,
    onFailure: async ({ event, error, step }) => {
      const { enforcementId } = event.data.event.data;
      await step.run("record enforcement failure", () => recordEnforcementFailure(enforcementId, "restore", error.message || "restore failed"));
    },
  },
  async ({ event, step }) => {
    const { enforcementId, episode } = event.data;
    const did = await step.run("restore vm power", () => restoreVmPower(enforcementId));
    await step.run("queue access restored email", () => queueBillingNotice(enforcementId, "restored", episode, null));
    await step.run("deliver billing notices", () => deliverBillingNotices());
    return { did };
  },
);
