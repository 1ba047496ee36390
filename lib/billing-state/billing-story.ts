// Which of three stories a subscription is in, from Stripe's own objects (DESIGN §3 Enforcement,
// I12) — the one place that decides it (issue 17's dunning work extends this function, nothing else):
//   - overdue: money is owed — the oldest unpaid renewal invoice (open, or marked uncollectible:
//     an uncollectible invoice can still be paid) says since when; a subscription Stripe ended for
//     non-payment (`cancellation_details.reason: payment_failed`) stays in this story;
//   - ended_by_customer: cancelled (at period end, or at once) with nothing owed;
//   - live: everything else.
// A resize's proration invoice left unpaid is not a renewal and owes nothing here (it lapses), and
// attempt counts never count (Smart Retries decide attempts; Stripe's docs on automatic collection).
import type Stripe from "stripe";
import { stripe } from "@/lib/billing/stripe";

export type BillingStory = "live" | "overdue" | "ended_by_customer";

export type StripeBillingFacts = {
  status: Stripe.Subscription.Status;
  cancelAtPeriodEnd: boolean;
  /** Unix seconds: finalization of the oldest unpaid renewal invoice (or the end, for an end for non-payment). */
  overdueSince: number | null;
  endedAt: number | null;
  /** Stripe's `cancellation_details.reason` of an ended subscription. */
  endReason: string | null;
  story: BillingStory;
};

const OWED: ReadonlySet<string> = new Set(["open", "uncollectible"]);

export function readBillingStory(subscription: Stripe.Subscription, invoices: Stripe.Invoice[]): StripeBillingFacts {
  const owed = invoices.filter((i) => OWED.has(i.status ?? "") && i.billing_reason === "subscription_cycle");
  const since = owed.map((i) => i.status_transitions?.finalized_at ?? i.created);
  const ended = subscription.status === "canceled" || subscription.status === "incomplete_expired";
  const endedAt = ended ? (subscription.ended_at ?? subscription.canceled_at ?? null) : null;
  const endReason = ended ? (subscription.cancellation_details?.reason ?? null) : null;
  const endedForNonPayment = endReason === "payment_failed";
  const overdueSince = since.length ? Math.min(...since) : endedForNonPayment ? endedAt : null;
  const story: BillingStory = overdueSince !== null ? "overdue" : ended ? "ended_by_customer" : "live";
  return { status: subscription.status, cancelAtPeriodEnd: subscription.cancel_at_period_end, overdueSince, endedAt, endReason, story };
}

/** Reads the facts from Stripe: the subscription and its invoices (one page: a year of renewals and more). */
export async function readStripeBillingFacts(stripeSubscriptionId: string): Promise<StripeBillingFacts> {
  const subscription = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  const invoices = await stripe().invoices.list({ subscription: stripeSubscriptionId, limit: 100 });
  return readBillingStory(subscription, invoices.data);
}

/** The story of a billing row, from what it stored of those facts. */
export function storyOfRow(row: { overdueSince: Date | null; endedAt: Date | null; endReason: string | null }): BillingStory {
  if (row.overdueSince || row.endReason === "payment_failed") return "overdue";
  return row.endedAt ? "ended_by_customer" : "live";
}
