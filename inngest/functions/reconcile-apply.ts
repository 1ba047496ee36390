// Applies one reconciliation finding the operator chose (issue 22, Build 2): the finder re-reads
// what it is about and acts (lib/reconcile/apply-finding.ts). One apply per finding id.
import { inngest } from "@/lib/jobs/client";
import { reconcileApplyRequested } from "@/lib/jobs/events";
import { applyFinding } from "@/lib/reconcile/apply-finding";

export const reconcileApplyFunction = inngest.createFunction(
  {
    id: "reconcile-apply",
    name: "Apply a reconciliation finding",
    triggers: [{ event: reconcileApplyRequested }],
    concurrency: { limit: 1, key: "event.data.findingId" },
    retries: 3,
  },
  async ({ event, step }) => step.run("apply the finding's action", () => applyFinding(event.data.findingId)),
);
