// Why an open invoice is not paid, in the customer's words (I4: no Stripe ids, no codes): the
// invoice's default payment (endive: `invoice.payments`, `is_default`) names its PaymentIntent,
// whose `last_payment_error` carries Stripe's card message — written to be shown to the customer
// ("Your card has insufficient funds.") — or whose status says the bank asks for 3-D Secure.
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { idOf } from "@/lib/billing/sync-subscription";

export const NEEDS_AUTHENTICATION = "Your bank asks you to confirm this payment (3-D Secure).";

/** null when Stripe records no failed attempt (yet). */
export async function paymentProblemOf(invoiceId: string): Promise<string | null> {
  const invoice = await stripe().invoices.retrieve(invoiceId, { expand: ["payments"] });
  const payments = invoice.payments?.data ?? [];
  const payment = payments.find((p) => p.is_default) ?? payments[0];
  if (payment?.payment.type !== "payment_intent" || !payment.payment.payment_intent) return null;
  const intent = await stripe().paymentIntents.retrieve(idOf(payment.payment.payment_intent));
  if (intent.status === "requires_action") return NEEDS_AUTHENTICATION;
  const error = intent.last_payment_error;
  if (!error) return null;
  return error.type === "card_error" && error.message ? error.message : "The payment didn't go through.";
}

/** What /billing says about an invoice still owed (open or uncollectible): Stripe's words and whether it retries. */
export type OwedInvoiceView = {
  owed: boolean;
  /** Why the last attempt failed, in Stripe's customer-facing words (null: none failed yet, or unknown). */
  paymentProblem: string | null;
  /** Stripe's next automatic attempt; null when Stripe will not retry (hard decline, no card, retries over). */
  retryAt: Date | null;
};

export async function owedInvoiceView(invoice: Pick<Stripe.Invoice, "id" | "status" | "next_payment_attempt">): Promise<OwedInvoiceView> {
  if (invoice.status !== "open" && invoice.status !== "uncollectible") return { owed: false, paymentProblem: null, retryAt: null };
  return {
    owed: true,
    paymentProblem: await paymentProblemOf(invoice.id).catch(() => null),
    retryAt: invoice.next_payment_attempt ? new Date(invoice.next_payment_attempt * 1000) : null,
  };
}
