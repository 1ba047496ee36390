// A subscription's invoices as the customer sees them, from Stripe (I11: amounts and states are
// Stripe's): every finalized invoice links to its hosted page and its PDF; a refunded one says so,
// with the amount Stripe refunded. Refunds are looked up only for invoices this product refunded
// (a failed build's or a flagged order's refund, a failed resize's), not for every payment.
import { stripe } from "@/lib/billing/stripe";
import { idOf } from "@/lib/billing/sync-subscription";
import { db } from "@/lib/db";
import { owedInvoiceView, type OwedInvoiceView } from "@/lib/billing/payment-problem";

export type InvoiceView = {
  id: string;
  number: string | null;
  status: string;
  amountDueMinor: number;
  amountPaidMinor: number;
  refundedMinor: number;
  /** Stripe's total, tax included. */
  totalMinor: number;
  /** Tax on this invoice (Stripe Tax's `total_taxes`); null when the invoice is not taxed. */
  taxMinor: number | null;
  currency: string;
  created: Date;
  hostedUrl: string | null;
  pdfUrl: string | null;
} & OwedInvoiceView;

/** What Stripe refunded of this invoice's payments (their PaymentIntents' refunds). */
async function refundedOf(invoiceId: string): Promise<number> {
  const invoice = await stripe().invoices.retrieve(invoiceId, { expand: ["payments"] });
  let total = 0;
  for (const payment of invoice.payments?.data ?? []) {
    const intent = payment.payment.type === "payment_intent" && payment.payment.payment_intent ? idOf(payment.payment.payment_intent) : null;
    if (!intent) continue;
    const refunds = await stripe().refunds.list({ payment_intent: intent, limit: 100 });
    total += refunds.data.filter((r) => r.status === "succeeded" || r.status === "pending").reduce((sum, r) => sum + r.amount, 0);
  }
  return total;
}

export async function invoiceViews(stripeSubscriptionId: string, opts: { orderRefunded: boolean; limit?: number }): Promise<InvoiceView[]> {
  const list = await stripe()
    .invoices.list({ subscription: stripeSubscriptionId, limit: opts.limit ?? 12 })
    .catch(() => null);
  if (!list) return [];
  const refundedResizes = await db.resizeRequest.findMany({
    where: { stripeSubscriptionId, status: "refunded", stripeInvoiceId: { not: null } },
    select: { stripeInvoiceId: true },
  });
  const refundedHere = new Set(refundedResizes.map((r) => r.stripeInvoiceId!));
  return Promise.all(
    list.data.map(async (i): Promise<InvoiceView> => {
      const refunded = i.status === "paid" && (opts.orderRefunded || refundedHere.has(i.id)) ? await refundedOf(i.id).catch(() => 0) : 0;
      return {
        id: i.id,
        number: i.number,
        status: refunded > 0 ? (refunded >= i.amount_paid ? "refunded" : "partly refunded") : (i.status ?? "draft"),
        amountDueMinor: i.amount_due,
        amountPaidMinor: i.amount_paid,
        refundedMinor: refunded,
        totalMinor: i.total,
        taxMinor: i.automatic_tax?.enabled ? (i.total_taxes ?? []).reduce((sum, tax) => sum + tax.amount, 0) : null,
        currency: i.currency,
        created: new Date(i.created * 1000),
        hostedUrl: i.status === "draft" ? null : (i.hosted_invoice_url ?? null),
        pdfUrl: i.status === "draft" ? null : (i.invoice_pdf ?? null),
        // Still owed (open or uncollectible, issue 17): why the last attempt failed and whether Stripe retries.
        ...(await owedInvoiceView(i)),
      };
    }),
  );
}
