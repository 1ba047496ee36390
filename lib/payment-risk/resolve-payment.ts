// Which VM a disputed or reported payment paid for (issue 25): the charge's PaymentIntent leads to
// its invoice payment, the invoice to its subscription (re-read from Stripe, never from the event),
// and our subscription mirror to the order and its VM. Null when it paid for nothing of ours.
import { stripe } from "@/lib/billing/stripe";
import { findInvoiceSubscriptionId, idOf } from "@/lib/billing/sync-subscription";
import { db } from "@/lib/db";

export type PaidFor = { invoiceId: string; stripeSubscriptionId: string; orderId: string; userId: string; vmId: string | null };

export async function findWhatPaymentPaidFor(paymentIntentId: string | null): Promise<PaidFor | null> {
  if (!paymentIntentId) return null;
  const { data } = await stripe().invoicePayments.list({ payment: { type: "payment_intent", payment_intent: paymentIntentId }, limit: 1 });
  const invoiceId = data[0] ? idOf(data[0].invoice) : null;
  if (!invoiceId) return null;
  const stripeSubscriptionId = await findInvoiceSubscriptionId(invoiceId);
  if (!stripeSubscriptionId) return null;
  const subscription = await db.subscription.findUnique({ where: { stripeSubscriptionId }, select: { orderId: true, userId: true } });
  if (!subscription) return null;
  const vm = await db.vm.findUnique({ where: { orderId: subscription.orderId }, select: { id: true, status: true } });
  return { invoiceId, stripeSubscriptionId, ...subscription, vmId: vm && vm.status !== "destroyed" ? vm.id : null };
}
