// After a Stripe read: converge the billing row, apply the steps due for it at once (the warning
// goes out in the same run), and say which VM work to request. Used by the serialised mirror
// (inngest/functions/subscription-mirror.ts) and by the daily reconcile.
import { db } from "@/lib/db";
import { syncSubscription } from "@/lib/billing/sync-subscription";
import { applyStripeBillingState, type ApplyResult } from "@/lib/billing-state/apply-stripe-billing";
import { advanceEnforcementById, type LadderFollowUp } from "@/lib/billing-state/apply-ladder";

export type ConvergeResult = {
  apply: ApplyResult;
  followUp: LadderFollowUp;
  restore: { enforcementId: string; episode: string | null } | null;
  restored: boolean;
  /** Whether the row moved (Stripe's facts, or a rung they made due): its email is to go out now. */
  changed: boolean;
};

/** `now` defaults to the customer's billing clock (their test clock in a rehearsal). */
export async function convergeBilling(stripeSubscriptionId: string, now?: Date): Promise<ConvergeResult> {
  const apply = await applyStripeBillingState(stripeSubscriptionId);
  if (apply.action !== "applied") return { apply, followUp: { suspend: [], delete: [] }, restore: null, restored: false, changed: false };
  const { applied, ...followUp } = await advanceEnforcementById(apply.enforcementId, now);
  // Every restore gets its run: it sends the one "access restored" email, and starts the VM if it was suspended.
  const restore = apply.restored ? { enforcementId: apply.enforcementId, episode: apply.episode } : null;
  return { apply, followUp, restore, restored: apply.restored, changed: apply.to !== apply.from || applied > 0 };
}

/** The daily reconcile's list: the mirror's past_due/unpaid and every row the ladder holds. */
export async function listSubscriptionsToReconcile(): Promise<string[]> {
  const [mirror, ladder] = await Promise.all([
    db.subscription.findMany({ where: { status: { in: ["past_due", "unpaid"] } }, select: { stripeSubscriptionId: true } }),
    db.billingEnforcement.findMany({ where: { state: { notIn: ["active", "deleted", "superseded"] } }, select: { stripeSubscriptionId: true } }),
  ]);
  return [...new Set([...mirror, ...ladder].map((r) => r.stripeSubscriptionId))];
}

export async function reconcileSubscription(stripeSubscriptionId: string) {
  await syncSubscription(stripeSubscriptionId);
  return convergeBilling(stripeSubscriptionId);
}
