// Why an open invoice is not paid, in the customer's words (I4: no Stripe ids, no codes): the
// invoice's default payment (endive: `invoice.payments`, `is_default`) names its PaymentIntent,
// whose `last_payment_error` carries Stripe's card message — written to be shown to the customer
// ("Your card has insufficient funds.") — or whose status says the bank asks for 3-D Secure.
import { stripe } from "@/lib/billing/stripe";
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
