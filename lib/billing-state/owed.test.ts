// What counts as owed (issue 17): under every dunning outcome an unpaid renewal is overdue —
// open or uncollectible — and a subscription Stripe canceled for non-payment keeps the overdue
// story while money is owed. factsFrom is what the billing state converges on.
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { factsFrom } from "@/lib/billing-state/apply-stripe-billing";
import { canceledForNonPayment, isOwedRenewal } from "@/lib/billing-state/owed";

const invoice = (status: Stripe.Invoice.Status, billing_reason: Stripe.Invoice.BillingReason = "subscription_cycle", finalized_at = 1_000) =>
  ({ id: `in_${status}_${finalized_at}`, status, billing_reason, created: finalized_at - 10, status_transitions: { finalized_at } }) as Stripe.Invoice;
const subscription = (status: Stripe.Subscription.Status, reason: Stripe.Subscription.CancellationDetails.Reason | null = null) =>
  ({
    status,
    cancel_at_period_end: false,
    ended_at: status === "canceled" ? 5_000 : null,
    canceled_at: null,
    cancellation_details: { reason },
  }) as Stripe.Subscription;

describe("what counts as owed", () => {
  it("an open or uncollectible renewal is owed; paid, void, draft and a resize's proration invoice are not", () => {
    expect(isOwedRenewal(invoice("open"))).toBe(true);
    expect(isOwedRenewal(invoice("uncollectible"))).toBe(true);
    for (const status of ["paid", "void", "draft"] as const) expect(isOwedRenewal(invoice(status))).toBe(false);
    expect(isOwedRenewal(invoice("open", "subscription_update"))).toBe(false);
  });

  it("overdue since the oldest owed renewal, under unpaid and past_due alike", () => {
    for (const status of ["unpaid", "past_due"] as const) {
      expect(
        factsFrom(subscription(status), [invoice("uncollectible", "subscription_cycle", 2_000), invoice("open", "subscription_cycle", 3_000)]),
      ).toMatchObject({
        overdueSince: 2_000,
        endedAt: null,
      });
    }
  });

  it("canceled for non-payment with money owed continues the overdue story; once nothing is owed, or canceled by request, it has ended", () => {
    expect(canceledForNonPayment(subscription("canceled", "payment_failed"))).toBe(true);
    expect(canceledForNonPayment(subscription("canceled", "cancellation_requested"))).toBe(false);
    expect(factsFrom(subscription("canceled", "payment_failed"), [invoice("uncollectible")])).toMatchObject({ overdueSince: 1_000, endedAt: null });
    expect(factsFrom(subscription("canceled", "payment_failed"), [])).toMatchObject({ overdueSince: null, endedAt: 5_000 });
    expect(factsFrom(subscription("canceled", "cancellation_requested"), [invoice("open")])).toMatchObject({ endedAt: 5_000 });
  });
});
