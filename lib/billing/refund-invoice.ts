// Refunds what an invoice collected, once: each paid payment (endive: `invoice.payments`; there is
// no `invoice.payment_intent`) is refunded with an idempotency key derived from the caller's key
// and the payment, and a payment refunded earlier (any key) counts as done — so a double click,
// two operators or a retry after a failure move money once.
import type Stripe from "stripe";
import { stripe } from "@/lib/billing/stripe";
import { idOf } from "@/lib/billing/sync-subscription";

/** Refunds every paid payment of the invoice; a payment refunded earlier (any key) counts as done. */
export async function refundInvoiceOnce(
  invoiceId: string,
  metadata: Record<string, string>,
  keyPrefix: string,
): Promise<Array<{ id: string; amount: number }>> {
  const invoice = await stripe().invoices.retrieve(invoiceId, { expand: ["payments"] });
  const paid = (invoice.payments?.data ?? []).filter((p) => p.status === "paid");
  const refunds: Array<{ id: string; amount: number }> = [];
  for (const payment of paid) {
    const target = paymentTarget(payment.payment);
    if (!target) continue;
    try {
      const refund = await stripe().refunds.create(
        { ...target, metadata: { ...metadata, invoicePayment: payment.id } },
        { idempotencyKey: `${keyPrefix}-${payment.id}` },
      );
      refunds.push({ id: refund.id, amount: refund.amount });
    } catch (error) {
      if ((error as Stripe.errors.StripeError).code !== "charge_already_refunded") throw error;
      refunds.push(...(await existingRefunds(target)));
    }
  }
  return refunds;
}

function paymentTarget(payment: Stripe.InvoicePayment.Payment): { payment_intent: string } | { charge: string } | null {
  if (payment.type === "payment_intent" && payment.payment_intent) return { payment_intent: idOf(payment.payment_intent) };
  if (payment.type === "charge" && payment.charge) return { charge: idOf(payment.charge) };
  return null;
}

async function existingRefunds(target: { payment_intent: string } | { charge: string }) {
  const { data } = await stripe().refunds.list({ ...target, limit: 100 });
  return data.filter((r) => r.status !== "failed" && r.status !== "canceled").map((r) => ({ id: r.id, amount: r.amount }));
}
