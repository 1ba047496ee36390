// Stripe is the authority (DESIGN §3 Enforcement): a payment or subscription signal re-reads the
// subscription and its owed invoices (owed.ts: open or uncollectible renewals; billing-story.ts says
// which story that is), and this converges the billing row on it. Each VM's row follows its own
// subscription only (I12). Runs inside the
// per-subscription serialised mirror (inngest/functions/subscription-mirror.ts).
import { db } from "@/lib/db";
import type { BillingEnforcement, BillingState } from "@/lib/generated/prisma/client";
import { OVERDUE_STATES, RESTORABLE_STATES, SUSPENDED_STATES, transitionBilling } from "@/lib/billing-state/billing-state";
import { readStripeBillingFacts, type StripeBillingFacts } from "@/lib/billing-state/billing-story";

export { readBillingStory as factsFrom, readStripeBillingFacts, type StripeBillingFacts } from "@/lib/billing-state/billing-story";

export type ApplyResult =
  | { action: "no-subscription-row" }
  | { action: "applied"; enforcementId: string; from: BillingState; to: BillingState; restored: boolean; wasSuspended: boolean; episode: string | null };

const date = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000));
const isOne = (list: readonly BillingState[], state: BillingState) => list.includes(state);

/** One row per mirrored subscription, created on first sight. */
export async function ensureEnforcementRow(stripeSubscriptionId: string): Promise<BillingEnforcement | null> {
  const sub = await db.subscription.findUnique({ where: { stripeSubscriptionId }, select: { id: true, userId: true, orderId: true } });
  if (!sub) return null;
  await db.billingEnforcement.createMany({
    data: [{ subscriptionId: sub.id, stripeSubscriptionId, userId: sub.userId, orderId: sub.orderId }],
    skipDuplicates: true,
  });
  return db.billingEnforcement.findUniqueOrThrow({ where: { stripeSubscriptionId } });
}

/** The key of one overdue (or ended) episode: notices and the restore email are once per episode. */
export const episodeOf = (row: Pick<BillingEnforcement, "overdueSince" | "endedAt" | "suspendedAt">) =>
  (row.overdueSince ?? row.endedAt ?? row.suspendedAt)?.toISOString() ?? null;

/** Converges the row on Stripe's facts. Replays of the same facts change nothing (I3). */
export async function applyStripeBillingFacts(stripeSubscriptionId: string, facts: StripeBillingFacts, eventAt = new Date()): Promise<ApplyResult> {
  const row = await ensureEnforcementRow(stripeSubscriptionId);
  if (!row) return { action: "no-subscription-row" };
  const base = { enforcementId: row.id, from: row.state, restored: false, wasSuspended: false, episode: episodeOf(row) };
  const applied = (to: BillingState, extra: Partial<ApplyResult> = {}): ApplyResult => ({ action: "applied", ...base, to, ...extra });
  if (row.state === "deleted" || row.state === "superseded") return applied(row.state);
  const actor = { type: "stripe" as const };
  const detail = { stripeSubscriptionId, stripeStatus: facts.status, story: facts.story };
  const ended = date(facts.endedAt);
  await db.billingEnforcement.update({
    where: { id: row.id },
    data: { lastStripeEventAt: eventAt, ...(ended && !row.endedAt ? { endedAt: ended, endReason: facts.endReason } : {}) },
  });

  if (facts.story === "overdue") {
    // Ended by Stripe for non-payment with nothing owed any more: the story goes on from where it was.
    const since = date(facts.overdueSince) ?? row.overdueSince ?? ended ?? eventAt;
    if (row.state === "active" || row.state === "canceled_at_period_end") {
      const moved = await transitionBilling({ enforcementId: row.id, from: row.state, to: "past_due", data: { overdueSince: since }, actor, detail });
      return applied(moved ? "past_due" : row.state);
    }
    if (facts.overdueSince !== null && isOne(RESTORABLE_STATES, row.state) && row.overdueSince?.getTime() !== since.getTime()) {
      // An older renewal invoice was voided or paid while a newer one stays open: count from that one.
      await db.billingEnforcement.update({ where: { id: row.id }, data: { overdueSince: since } });
    }
    return applied(row.state);
  }

  // Nothing owed. A row the overdue story stopped is restored at once (I7) while the subscription
  // lives; once it ended by the customer's own cancellation the ladder's `end` rung takes over.
  const restorable = isOne(RESTORABLE_STATES, row.state) && (facts.story === "live" || isOne(OVERDUE_STATES, row.state));
  if (restorable) {
    const target = facts.story === "live" && !facts.cancelAtPeriodEnd ? "active" : "canceled_at_period_end";
    const moved = await transitionBilling({
      enforcementId: row.id,
      from: row.state,
      to: target,
      actor,
      detail: { ...detail, restoredFrom: row.state },
      data: {
        overdueSince: null,
        graceUntil: null,
        warningSentAt: null,
        finalWarningSentAt: null,
        backupsBlockedAt: null,
        retainUntil: null,
        pendingDeletionAt: null,
        deletionApprovedAt: null,
        deletionApprovedBy: null,
        restoredAt: eventAt,
        // suspendedAt / powerBeforeSuspend stay until the restore run has started the VM again.
      },
    });
    return moved ? applied(target, { restored: true, wasSuspended: row.suspendedAt !== null }) : applied(row.state);
  }
  if (facts.story === "ended_by_customer" && isOne(SUSPENDED_STATES, row.state) && row.overdueSince) {
    // Paid up after a suspension, but the subscription has ended: the VM stays stopped and kept,
    // and its words are the customer's story now (nothing is owed).
    await db.billingEnforcement.update({ where: { id: row.id }, data: { overdueSince: null } });
    return applied(row.state);
  }
  if (row.state === "active" && facts.cancelAtPeriodEnd && facts.story === "live") {
    if (await transitionBilling({ enforcementId: row.id, from: "active", to: "canceled_at_period_end", actor, detail }))
      return applied("canceled_at_period_end");
  } else if (row.state === "canceled_at_period_end" && !facts.cancelAtPeriodEnd && facts.story === "live") {
    if (await transitionBilling({ enforcementId: row.id, from: "canceled_at_period_end", to: "active", actor, detail })) return applied("active");
  }
  return applied(row.state);
}

/** Re-read from Stripe and converge: what the mirror function and the daily reconcile call. */
export async function applyStripeBillingState(stripeSubscriptionId: string): Promise<ApplyResult> {
  const facts = await readStripeBillingFacts(stripeSubscriptionId);
  return applyStripeBillingFacts(stripeSubscriptionId, facts);
}
