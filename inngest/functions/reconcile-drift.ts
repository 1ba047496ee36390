// Drift reconciliation (issue 22, Build 2): on a schedule (RECONCILE_CRON) and when the operator
// asks from /admin/reconcile, compare our records with Proxmox, Cloudflare and Stripe and keep the
// findings (lib/reconcile). It only records and alerts: nothing is applied automatically.
import { inngest } from "@/lib/jobs/client";
import { reconcileRequested } from "@/lib/jobs/events";
import { envSchema } from "@/lib/env";
import { runReconciliation } from "@/lib/reconcile/run-reconciliation";

// Read at import (the schedule is part of the registration), without the whole env (next build).
const cron = envSchema.shape.RECONCILE_CRON.parse(process.env.RECONCILE_CRON || undefined);

export const reconcileDriftFunction = inngest.createFunction(
  {
    id: "reconcile-drift",
    name: "Reconcile records with Proxmox, Cloudflare and Stripe",
    triggers: [{ cron }, { event: reconcileRequested }],
    concurrency: { limit: 1 },
    retries: 2,
  },
  async ({ step }) => step.run("compare records with the services", () => runReconciliation()),
);
