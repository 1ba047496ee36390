"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { applyFindingSchema, requestApplyFinding } from "@/lib/reconcile/request-apply-finding";
import { recordAudit } from "@/lib/audit/record-audit";
import { inngest } from "@/lib/jobs/client";
import { reconcileRequested } from "@/lib/jobs/events";

export const runReconciliationAction = validatedAdminAction(z.object({}), async (_input, { user }) => {
  await inngest.send(reconcileRequested.create({ adminId: user.id }));
  await recordAudit({ type: "admin", id: user.id }, "reconcile.run_requested", { type: "reconcile", id: "run" });
  return { status: "success", message: "Reconciliation started: findings appear here when it ends." };
});

export const applyFindingAction = validatedAdminAction(applyFindingSchema, async (input, { user }) => {
  await requestApplyFinding({ ...input, adminId: user.id });
  revalidatePath("/admin/reconcile");
  return { status: "success", message: "Queued: the result shows here when done." };
});
