// The last rung (I6): only after retention AND approval (checked again here, refused and audited
// otherwise). Provisioning's cleanup actions verify ownership markers before removing anything.
import { inngest } from "@/lib/jobs/client";
import { billingDeleteRequested } from "@/lib/jobs/events";
import { checkDeletionAllowed, deletionSteps, finishDeletion } from "@/lib/billing-state/delete-retained-vm";
import { deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
import { billingEnforcementOptions } from "./billing-enforcement-options";

export const billingDeleteVmFunction = inngest.createFunction(
  {
    id: "billing-delete-vm",
    name: "Delete a retained VM (approved)",
    triggers: [billingDeleteRequested],
    ...billingEnforcementOptions("delete"),
  },
  async ({ event, step }) => {
    const { enforcementId } = event.data;
    // On the customer's billing clock, read again now (the tick's `asOf` may be old by the time
    // this runs): the row is only pending_deletion once the tick found the window over; this re-checks both.
    const check = await step.run("check retention and approval", () => checkDeletionAllowed(enforcementId));
    if (!check.allowed) return { refused: check.reason };
    const results: string[] = [];
    for (const [name, action] of deletionSteps) {
      results.push(await step.run(name, () => action(check.orderId)));
    }
    const moved = await step.run("record deleted", () => finishDeletion(enforcementId, results));
    await step.run("deliver billing notices", () => deliverBillingNotices());
    return { deleted: moved, results };
  },
);
