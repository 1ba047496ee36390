// Stripe is the authority (DESIGN §3 Enforcement): a payment or subscription signal re-reads the
// subscription and its owed invoices, and this converges the billing row on what Stripe says.
// "Overdue since" is the oldest owed renewal invoice (owed.ts: open or uncollectible): a resize's
// proration invoice left unpaid changes nothing here, and the ladder never counts attempt_count
// (Smart Retries decide attempts; Stripe's docs on automatic collection). Runs inside the
// per-subscription serialised mirror (inngest/functions/subscription-mirror.ts).
import type Stripe from "stripe";
import { stripe } from "@/lib/billing/stripe";
import { db } from "@/lib/db";
import type { BillingEnforcement, BillingState } from "@/lib/generated/prisma/client";
import { RESTORABLE_STATES, transitionBilling } from "@/lib/billing-state/billing-state";
import { canceledForNonPayment, isOwedRenewal, listOwedRenewals, owedSince } from "@/lib/billing-state/owed";

export type StripeBillingFacts = {
  status: Stripe.Subscription.Status;
  cancelAtPeriodEnd: boolean;
  /** Unix seconds: finalization of the oldest open subscription_cycle invoice. */
  overdueSince: number | null;
  endedAt: number | null;
};

/** Reads the facts from Stripe: the subscription and its owed renewals (no attempt counts). */
export async function readStripeBillingFacts(stripeSubscriptionId: string): Promise<StripeBillingFacts> {
  const subscription = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  return { ...factsFrom(subscription, await listOwedRenewals(stripeSubscriptionId)) };
}

export function factsFrom(subscription: Stripe.Subscription, invoices: Stripe.Invoice[]): StripeBillingFacts {
  // What counts as owed (open or uncollectible renewals) is decided in owed.ts, for every setting.
  const since = invoices.filter(isOwedRenewal).map(owedSince);
  const overdueSince = since.length ? Math.min(...since) : null;
  const ended = subscription.status === "canceled" || subscription.status === "incomplete_expired";
  // Canceled by dunning while a renewal is still owed: the overdue story goes on (owed.ts).
  const stillOverdue = canceledForNonPayment(subscription) && overdueSince !== null;
  return {
    status: subscription.status,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    overdueSince,
    endedAt: ended && !stillOverdue ? (subscription.ended_at ?? subscription.canceled_at ?? null) : null,
  };
}

export type ApplyResult =
  | { action: "no-subscription-row" }
  | { action: "applied"; enforcementId: string; from: BillingState; to: BillingState; restored: boolean; wasSuspended: boolean; episode: string | null };

const date = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000));

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
  await db.billingEnforcement.update({ where: { id: row.id }, data: { lastStripeEventAt: eventAt } });
  const actor = { type: "stripe" as const };
  const detail = { stripeSubscriptionId, stripeStatus: facts.status };
  let to: BillingState = row.state;

  if (row.state === "deleted") return { action: "applied", ...base, to };

  if (facts.endedAt !== null) {
    // Ended in Stripe (cancelled at period end, or dunning set to cancel): paying cannot restore it,
    // so the ladder continues from suspension (I6); the tick carries that out.
    if (!row.endedAt) await db.billingEnforcement.update({ where: { id: row.id }, data: { endedAt: date(facts.endedAt) } });
    return { action: "applied", ...base, to };
  }

  if (facts.overdueSince !== null) {
    const since = date(facts.overdueSince)!;
    if (row.state === "active" || row.state === "canceled_at_period_end") {
      if (await transitionBilling({ enforcementId: row.id, from: row.state, to: "past_due", data: { overdueSince: since }, actor, detail })) to = "past_due";
    } else if (!row.overdueSince || row.overdueSince.getTime() !== since.getTime()) {
      // An older renewal invoice was voided or paid while a newer one stays open: count from that one.
      await db.billingEnforcement.update({ where: { id: row.id }, data: { overdueSince: since } });
    }
    return { action: "applied", ...base, to };
  }

  // Nothing overdue: blocks lift at once (I7), whatever step the ladder had reached.
  if ((RESTORABLE_STATES as readonly BillingState[]).includes(row.state)) {
    const target = facts.cancelAtPeriodEnd ? "canceled_at_period_end" : "active";
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
        restoredAt: new Date(),
        // suspendedAt / powerBeforeSuspend stay until the restore run has started the VM again.
      },
    });
    if (moved) return { action: "applied", ...base, to: target, restored: true, wasSuspended: row.suspendedAt !== null };
    return { action: "applied", ...base, to };
  }
  if (row.state === "active" && facts.cancelAtPeriodEnd) {
    if (await transitionBilling({ enforcementId: row.id, from: "active", to: "canceled_at_period_end", actor, detail })) to = "canceled_at_period_end";
  } else if (row.state === "canceled_at_period_end" && !facts.cancelAtPeriodEnd) {
    if (await transitionBilling({ enforcementId: row.id, from: "canceled_at_period_end", to: "active", actor, detail })) to = "active";
  }
  return { action: "applied", ...base, to };
}

/** Re-read from Stripe and converge: what the mirror function and the daily reconcile call. */
export async function applyStripeBillingState(stripeSubscriptionId: string): Promise<ApplyResult> {
  const facts = await readStripeBillingFacts(stripeSubscriptionId);
  return applyStripeBillingFacts(stripeSubscriptionId, facts);
}
