// The operator's side of the last rung (I6): approving one deletion, or extending grace. Both only
// record a decision (audited); the ladder's next tick sends billing/vm.delete-requested for an
// approved row and the billing-delete-vm function carries the deletion out (delete-retained-vm.ts).
// Kept apart from the deletion steps so the admin page imports no Proxmox code, even indirectly (I2).
import { db } from "@/lib/db";
import { recordBillingAction, transitionBilling } from "@/lib/billing-state/billing-state";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";

/** An operator approves one deletion (audited); the next tick carries it out. */
export async function approveDeletion(enforcementId: string, adminId: string): Promise<boolean> {
  const { count } = await db.billingEnforcement.updateMany({
    where: { id: enforcementId, state: "pending_deletion", deletionApprovedAt: null },
    data: { deletionApprovedAt: new Date(), deletionApprovedBy: adminId },
  });
  if (count === 1) await recordBillingAction(enforcementId, "deletion_approved", { type: "admin", id: adminId });
  return count === 1;
}

/** Extend grace by `days` from now on the customer's clock (audited); a row awaiting deletion goes back to retained. */
export async function extendGraceByDays(enforcementId: string, adminId: string, days: number): Promise<boolean> {
  const row = await db.billingEnforcement.findUnique({ where: { id: enforcementId }, select: { userId: true } });
  if (!row) return false;
  const now = await billingNowForUser(row.userId);
  return extendGrace(enforcementId, adminId, new Date(now.getTime() + days * 86_400_000));
}

/** Extend grace (audited): no further step before `until`; a row awaiting deletion goes back to retained. */
export async function extendGrace(enforcementId: string, adminId: string, until: Date): Promise<boolean> {
  const row = await db.billingEnforcement.findUnique({ where: { id: enforcementId }, select: { state: true, retainUntil: true } });
  if (!row || row.state === "deleted" || row.state === "superseded") return false;
  await db.billingEnforcement.update({
    where: { id: enforcementId },
    data: { graceUntil: until, ...(row.retainUntil && row.retainUntil < until ? { retainUntil: until } : {}) },
  });
  if (row.state === "pending_deletion") {
    await transitionBilling({
      enforcementId,
      from: "pending_deletion",
      to: "retained",
      data: { deletionApprovedAt: null, deletionApprovedBy: null },
      actor: { type: "admin", id: adminId },
      detail: { graceUntil: until.toISOString() },
    });
  }
  await recordBillingAction(enforcementId, "grace_extended", { type: "admin", id: adminId }, { until: until.toISOString() });
  return true;
}
