// Which of three stories a subscription is in, from Stripe's own objects (DESIGN §3 Enforcement,
// I12) — the one place that decides it, on what owed.ts (issue 17) says is owed:
//   - overdue: money is owed — the oldest unpaid renewal invoice (open, or marked uncollectible:
//     an uncollectible invoice can still be paid) says since when; a subscription Stripe ended for
//     non-payment (`cancellation_details.reason: payment_failed`) stays in this story;
//   - ended_by_customer: cancelled (at period end, or at once) with nothing owed;
//   - live: everything else.
// A resize's proration invoice left unpaid is not a renewal and owes nothing here (it lapses), and
// attempt counts never count (Smart Retries decide attempts; Stripe's docs on automatic collection).
import type Stripe from "stripe";
import { stripe } from "@/lib/billing/stripe";
import { canceledForNonPayment, isOwedRenewal, listOwedRenewals, owedSince } from "@/lib/billing-state/owed";

export type BillingStory = "live" | "overdue" | "ended_by_customer";

export type StripeBillingFacts = {
  status: Stripe.Subscription.Status;
  cancelAtPeriodEnd: boolean;
  /** Unix seconds: finalization of the oldest owed renewal invoice (owed.ts); null when nothing is owed. */
  overdueSince: number | null;
  endedAt: number | null;
  /** Stripe's `cancellation_details.reason` of an ended subscription.
   * Ended for non-payment while a renewal is still owed: not ended yet (the overdue story goes on, owed.ts). */
  endReason: string | null;
  story: BillingStory;
};

export function readBillingStory(subscription: Stripe.Subscription, invoices: Stripe.Invoice[]): StripeBillingFacts {
  // What counts as owed (open or uncollectible renewals) is decided in owed.ts, for every setting.
  const since = invoices.filter(isOwedRenewal).map(owedSince);
  const overdueSince = since.length ? Math.min(...since) : null;
  const ended = subscription.status === "canceled" || subscription.status === "incomplete_expired";
  // Canceled by dunning while a renewal is still owed: the overdue story goes on, not ended yet.
  const stillOverdue = canceledForNonPayment(subscription) && overdueSince !== null;
  const endedAt = ended && !stillOverdue ? (subscription.ended_at ?? subscription.canceled_at ?? null) : null;
  const endReason = endedAt !== null ? (subscription.cancellation_details?.reason ?? null) : null;
  // Ended by Stripe for non-payment stays the overdue story even once the debt is paid: nothing can
  // restore that subscription, and its words are not the customer's own choice.
  const story: BillingStory = overdueSince !== null || canceledForNonPayment(subscription) ? "overdue" : ended ? "ended_by_customer" : "live";
  return { status: subscription.status, cancelAtPeriodEnd: subscription.cancel_at_period_end, overdueSince, endedAt, endReason, story };
}

/** Reads the facts from Stripe: the subscription and its owed renewals (every page; no attempt counts). */
export async function readStripeBillingFacts(stripeSubscriptionId: string): Promise<StripeBillingFacts> {
  const subscription = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  return readBillingStory(subscription, await listOwedRenewals(stripeSubscriptionId));
}

/** The story of a billing row, from what it stored of those facts. */
export function storyOfRow(row: { overdueSince: Date | null; endedAt: Date | null; endReason: string | null }): BillingStory {
  if (row.overdueSince || row.endReason === "payment_failed") return "overdue";
  return row.endedAt ? "ended_by_customer" : "live";
}
