// The last rung (I6): deletion only after the retention window AND an operator's approval (or the
// BILLING_AUTO_DELETE policy switch), both on the customer's billing clock. Billing ends first, in
// the same run (I11: the subscription cancelled, its invoices closed), then provisioning's cleanup
// actions, which verify the ownership markers (the order's marker on the Proxmox VM, the owner tag
// on the tunnel) before removing anything. Any attempt without approval is refused and audited.
// These steps run only in the billing-delete-vm function: the operator's decision (approve, extend
// grace) lives in approve-deletion.ts, so pages never reach Proxmox code, even indirectly (I2).
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { transitionBilling } from "@/lib/billing-state/billing-state";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";
import { cancelSubscriptionOfOrder, closeOpenInvoicesOfOrder } from "@/lib/billing-state/end-billing";
import { episodeOf } from "@/lib/billing-state/apply-stripe-billing";
import { queueBillingNotice } from "@/lib/billing-state/send-billing-notice";
import { destroyOwnedVm, releaseVmid, removeAccessApplication, removeSnippet, removeTunnelAndDns } from "@/lib/provisioning/cleanup-actions";
import { releaseVmNetwork, removeVmFirewall } from "@/lib/network/release-network";
import { transitionVm } from "@/lib/vms/vm-state";
import { removeAllBackups } from "@/lib/vm-operations/backup-steps";

export type DeletionCheck = { allowed: true; orderId: string } | { allowed: false; reason: string };

/** Whether this row may be deleted now (on its customer's clock); a refusal is audited (every destructive attempt is). */
export async function checkDeletionAllowed(enforcementId: string, at?: Date): Promise<DeletionCheck> {
  const row = await db.billingEnforcement.findUnique({ where: { id: enforcementId } });
  const now = at ?? (row ? await billingNowForUser(row.userId) : new Date());
  let reason: string | null = null;
  if (!row) reason = "no such billing row";
  else if (row.state !== "pending_deletion") reason = `state is ${row.state}, not pending_deletion`;
  else if (!row.retainUntil || row.retainUntil.getTime() > now.getTime()) reason = "the retention window has not ended";
  else if (!row.deletionApprovedAt && !env().BILLING_AUTO_DELETE) reason = "no operator approval (and BILLING_AUTO_DELETE is off)";
  if (reason || !row) {
    await recordAudit({ type: "system" }, "billing.deletion_refused", { type: "billing", id: enforcementId }, { reason });
    return { allowed: false, reason: reason! };
  }
  return { allowed: true, orderId: row.orderId };
}

/**
 * Billing ends first (I11: a VM that no longer exists must not be billed), then the cleanup
 * actions in provisioning's order: the VMID goes back last, once all else is gone.
 */
export const deletionSteps = [
  ["cancel subscription", (orderId: string) => cancelSubscriptionOfOrder(orderId, "vm deleted")],
  ["close open invoices", (orderId: string) => closeOpenInvoicesOfOrder(orderId, "vm deleted")],
  ["destroy vm", destroyOwnedVm],
  ["remove tunnel and dns", removeTunnelAndDns],
  ["remove access application", removeAccessApplication],
  ["remove snippet", removeSnippet],
  ["remove vm firewall", removeVmFirewall],
  ["release network", releaseVmNetwork],
  // Backups outlive the VM's destroy in Proxmox: removed here, and only here (issue 20).
  ["remove backups", removeAllBackups],
  ["release vmid", releaseVmid],
] as const;

export async function finishDeletion(enforcementId: string, results: string[]): Promise<boolean> {
  const row = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId } });
  const vm = await db.vm.findUnique({ where: { orderId: row.orderId }, select: { id: true } });
  if (vm) await transitionVm(vm.id, ["running", "stopped", "failed", "provisioning", "destroyed"], "destroyed");
  await queueBillingNotice(enforcementId, "deleted", episodeOf(row), null);
  const moved = await transitionBilling({
    enforcementId,
    from: "pending_deletion",
    to: "deleted",
    data: { deletedAt: await billingNowForUser(row.userId) },
    actor: { type: "system" },
    detail: { results, approvedBy: row.deletionApprovedBy ?? (env().BILLING_AUTO_DELETE ? "policy:BILLING_AUTO_DELETE" : null) },
  });
  return moved;
}
