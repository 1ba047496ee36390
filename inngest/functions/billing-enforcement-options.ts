// Options shared by the three billing enforcement functions (billing-suspend-vm, billing-restore-vm,
// billing-delete-vm): one run at a time per billing row, the same retries, and one failure handler
// that records the failed rung on the row for the operator (the ladder retries or alerts from it).
import { recordEnforcementFailure } from "@/lib/billing-state/billing-state";

type EnforcementRun = "suspend" | "restore" | "delete";

type FailureArgs = {
  event: { data: { event: { data: { enforcementId: string } } } };
  error: Error;
  step: { run: (id: string, work: () => Promise<void>) => Promise<unknown> };
};

export function billingEnforcementOptions(run: EnforcementRun) {
  return {
    concurrency: { limit: 1, key: "event.data.enforcementId" },
    retries: 6,
    onFailure: async ({ event, error, step }: FailureArgs) => {
      const { enforcementId } = event.data.event.data;
      await step.run("record enforcement failure", () => recordEnforcementFailure(enforcementId, run, error.message || `${run} failed`));
    },
  } as const;
}
