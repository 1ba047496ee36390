// What counts as money owed, whatever the account's "Manage failed payments" settings (issue 17).
// After Stripe's last retry the invoice is left open or marked uncollectible, and the subscription
// is left past_due, marked unpaid or canceled: none of those means the customer paid.
// - A renewal invoice (billing_reason subscription_cycle) is owed while it is `open` or
//   `uncollectible`: Stripe's "mark uncollectible" is bookkeeping, and such an invoice can still be
//   paid (invoice statuses: uncollectible → paid). A resize's proration invoice never counts here.
// - A subscription Stripe canceled for non-payment (`cancellation_details.reason:
//   payment_failed`) while a renewal is still owed continues the overdue story, not the story of a
//   customer who chose to end it; once nothing is owed, it has ended (nothing pays for the VM).
// - `past_due` and `unpaid` subscriptions count through their owed invoices, like any other.
import type Stripe from "stripe";
import { stripe } from "@/lib/billing/stripe";

export const OWED_INVOICE_STATUSES = ["open", "uncollectible"] as const satisfies readonly Stripe.Invoice.Status[];

/** Whether this invoice is a renewal the customer still owes. */
export function isOwedRenewal(invoice: Pick<Stripe.Invoice, "status" | "billing_reason">): boolean {
  return invoice.billing_reason === "subscription_cycle" && (OWED_INVOICE_STATUSES as readonly (string | null)[]).includes(invoice.status);
}

/** Whether Stripe's dunning, not the customer or the operator, ended this subscription. */
export function canceledForNonPayment(subscription: Pick<Stripe.Subscription, "status" | "cancellation_details">): boolean {
  return subscription.status === "canceled" && subscription.cancellation_details?.reason === "payment_failed";
}

/** The subscription's owed renewal invoices (open and uncollectible), read from Stripe. */
export async function listOwedRenewals(stripeSubscriptionId: string): Promise<Stripe.Invoice[]> {
  const owed: Stripe.Invoice[] = [];
  for (const status of OWED_INVOICE_STATUSES) {
    for await (const invoice of stripe().invoices.list({ subscription: stripeSubscriptionId, status, limit: 100 })) {
      if (isOwedRenewal(invoice)) owed.push(invoice);
    }
  }
  return owed.sort((a, b) => owedSince(a) - owedSince(b));
}

/** When an owed invoice became due: its finalization (unix seconds). */
export const owedSince = (invoice: Pick<Stripe.Invoice, "status_transitions" | "created">) => invoice.status_transitions?.finalized_at ?? invoice.created;
