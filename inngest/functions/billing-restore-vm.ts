// Payment restores (I7): the blocks were lifted by the Stripe sync itself; this starts the VM again
// when it was running at suspension and RESTORE_POWER=previous, and sends one "access restored".
import { inngest } from "@/lib/jobs/client";
import { billingRestoreRequested } from "@/lib/jobs/events";
import { restoreVmPower } from "@/lib/billing-state/enforce-vm";
import { queueBillingNotice, deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
import { billingEnforcementOptions } from "./billing-enforcement-options";

export const billingRestoreVmFunction = inngest.createFunction(
  {
    id: "billing-restore-vm",
    name: "Restore a VM after payment",
    triggers: [billingRestoreRequested],
    ...billingEnforcementOptions("restore"),
  },
  async ({ event, step }) => {
    const { enforcementId, episode } = event.data;
    const did = await step.run("restore vm power", () => restoreVmPower(enforcementId));
    await step.run("queue access restored email", () => queueBillingNotice(enforcementId, "restored", episode, null));
    await step.run("deliver billing notices", () => deliverBillingNotices());
    return { did };
  },
);
