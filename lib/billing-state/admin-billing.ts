// The operator's view of enforcement (/admin/billing): subscriptions by state, each with its
// timeline and audit trail, the deletion approval queue, and extend-grace input.
import { z } from "zod";
import { db } from "@/lib/db";
import type { BillingState } from "@/lib/generated/prisma/client";
import { BILLING_STATES } from "@/lib/billing-state/billing-state";
import { ladderConfig, ladderTimeline } from "@/lib/billing-state/ladder";

export const enforcementIdSchema = z.string().trim().min(1, "Missing subscription.").max(64, "Unknown subscription.");
export const extendGraceSchema = z.object({
  enforcementId: enforcementIdSchema,
  days: z.coerce.number({ error: "Enter a number of days." }).int("Whole days only.").min(1, "At least 1 day.").max(60, "At most 60 days."),
});

export async function loadAdminBilling(state?: BillingState) {
  const rows = await db.billingEnforcement.findMany({
    where: state ? { state } : { state: { not: "active" } },
    orderBy: { updatedAt: "desc" },
    take: 200,
  });
  const [users, vms, audits] = await Promise.all([
    db.user.findMany({ where: { id: { in: rows.map((r) => r.userId) } }, select: { id: true, email: true } }),
    db.vm.findMany({ where: { orderId: { in: rows.map((r) => r.orderId) } }, select: { orderId: true, id: true, name: true, status: true } }),
    db.auditEvent.findMany({ where: { subjectType: "billing", subjectId: { in: rows.map((r) => r.id) } }, orderBy: { createdAt: "desc" }, take: 2_000 }),
  ]);
  const counts = await db.billingEnforcement.groupBy({ by: ["state"], _count: { _all: true } });
  const config = ladderConfig();
  return {
    counts: Object.fromEntries(BILLING_STATES.map((s) => [s, counts.find((c) => c.state === s)?._count._all ?? 0])) as Record<BillingState, number>,
    rows: rows.map((r) => ({
      ...r,
      email: users.find((u) => u.id === r.userId)?.email ?? "?",
      vm: vms.find((v) => v.orderId === r.orderId) ?? null,
      timeline: ladderTimeline(r, config),
      audit: audits.filter((a) => a.subjectId === r.id).slice(0, 12),
      awaitingApproval: r.state === "pending_deletion" && !r.deletionApprovedAt,
    })),
  };
}
