// The last rung (I6): only after retention AND approval (checked again here, refused and audited
// otherwise). Provisioning's cleanup actions verify ownership markers before removing anything.
import { inngest } from "@/lib/jobs/client";
import { billingDeleteRequested } from "@/lib/jobs/events";
import { toStepError } from "@/inngest/step-errors";
import { checkDeletionAllowed, deletionSteps, finishDeletion } from "@/lib/billing-state/delete-retained-vm";
import { deliverBillingNotices } from "@/lib/billing-state/send-billing-notice";
import { recordEnforcementFailure } from "@/lib/billing-state/billing-state";

export const billingDeleteVmFunction = inngest.createFunction(
  {
    id: "billing-delete-vm",
    name: "Delete a retained VM (approved)",
    triggers: [billingDeleteRequested],
    concurrency: { limit: 1, key: "event.data.enforcementId" },
    retries: 6,
    onFailure: async ({ event, error, step }) => {
      const { enforcementId } = event.data.event.data;
      await step.run("record enforcement failure", () => recordEnforcementFailure(enforcementId, "delete", error.message || "delete failed"));
    },
  },
  async ({ event, step }) => {
    const { enforcementId } = event.data;
    // On the customer's billing clock, read again now (the tick's `asOf` may be old by the time
    // this runs): the row is only pending_deletion once the tick found the window over; this re-checks both.
    const check = await step.run("check retention and approval", () => checkDeletionAllowed(enforcementId));
    if (!check.allowed) return { refused: check.reason };
    const results: string[] = [];
    for (const [name, action] of deletionSteps) {
      results.push(
        await step.run(name, () =>
          action(check.orderId).catch((error: unknown) => {
            throw toStepError(name, error);
          }),
        ),
      );
    }
    const moved = await step.run("record deleted", () => finishDeletion(enforcementId, results));
    await step.run("deliver billing notices", () => deliverBillingNotices());
    return { deleted: moved, results };
  },
);
