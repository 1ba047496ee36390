// Requesting a finding's action (issue 22, Build 2): the operator's click records the request and
// its audit event and hands the work to the `reconcile-apply` Inngest function (I2: pages never
// touch Proxmox, Cloudflare or Stripe). A destructive action needs the second confirmation.
// Kept apart from the finders (./apply-finding.ts) so the admin page imports none of their
// Proxmox or Cloudflare code, even indirectly.
import { z } from "zod";
import { db } from "@/lib/db";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { inngest } from "@/lib/jobs/client";
import { reconcileApplyRequested } from "@/lib/jobs/events";

export const applyFindingSchema = z.object({
  findingId: z.string().trim().min(1, "Missing finding.").max(64, "Unknown finding."),
  confirmDestructive: z.enum(["yes"]).optional(),
});

export async function requestApplyFinding(input: z.infer<typeof applyFindingSchema> & { adminId: string }) {
  const finding = await db.reconcileFinding.findUnique({ where: { id: input.findingId } });
  if (!finding || !finding.openKey) throw new UserFacingError("This finding is no longer open.");
  if (finding.destructive && input.confirmDestructive !== "yes") throw new UserFacingError("This action is destructive: confirm it a second time.");
  const { count } = await db.reconcileFinding.updateMany({
    where: { id: finding.id, openKey: { not: null }, applyRequestedAt: null },
    data: { applyRequestedAt: new Date(), appliedBy: input.adminId },
  });
  if (count === 0) throw new UserFacingError("This action was already requested.");
  await recordAudit(
    { type: "admin", id: input.adminId },
    "reconcile.apply_requested",
    { type: "reconcile_finding", id: finding.id },
    { kind: finding.kind, subject: finding.subject, action: finding.action },
  );
  await inngest.send(reconcileApplyRequested.once({ findingId: finding.id }));
}
