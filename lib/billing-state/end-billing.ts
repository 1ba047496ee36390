// Nothing bills for a VM that does not exist (I11): when a VM is deleted, its subscription is
// cancelled at Stripe and its invoices closed in the same run — an open one voided (Stripe: only
// finalized, unpaid invoices can be voided), or marked uncollectible where Stripe refuses the void;
// a draft deleted (Stripe deletes only drafts). Each call re-reads Stripe first and acts only on
// what is still open, with idempotency keys, so a re-run does nothing twice (I3); each act is audited.
import Stripe from "stripe";
import { recordAudit } from "@/lib/audit/record-audit";
import { stripe } from "@/lib/billing/stripe";
import { db } from "@/lib/db";

const ENDED: ReadonlySet<string> = new Set(["canceled", "incomplete_expired"]);

async function subscriptionOfOrder(orderId: string): Promise<string | null> {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { stripeSubscriptionId: true } });
  return order?.stripeSubscriptionId ?? null;
}

/** Cancels the order's subscription now (not at period end). */
export async function cancelSubscriptionOfOrder(orderId: string, reason: string): Promise<string> {
  const subscriptionId = await subscriptionOfOrder(orderId);
  if (!subscriptionId) return "no subscription";
  const subscription = await stripe().subscriptions.retrieve(subscriptionId);
  if (ENDED.has(subscription.status)) return `subscription already ${subscription.status}`;
  await stripe().subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `end-billing-cancel-${subscriptionId}` });
  await recordAudit({ type: "system" }, "billing.subscription_canceled", { type: "order", id: orderId }, { subscriptionId, reason });
  return `cancelled subscription ${subscriptionId}`;
}

/** Closes every invoice of the order's subscription that could still collect money. */
export async function closeOpenInvoicesOfOrder(orderId: string, reason: string): Promise<string> {
  const subscriptionId = await subscriptionOfOrder(orderId);
  if (!subscriptionId) return "no subscription";
  const { data } = await stripe().invoices.list({ subscription: subscriptionId, limit: 100 });
  const done: string[] = [];
  for (const invoice of data) {
    if (invoice.status === "draft") {
      await stripe().invoices.del(invoice.id);
      done.push(`${invoice.id} deleted (draft)`);
      await recordAudit({ type: "system" }, "billing.invoice_deleted", { type: "order", id: orderId }, { invoiceId: invoice.id, reason });
      continue;
    }
    if (invoice.status !== "open") continue;
    try {
      await stripe().invoices.voidInvoice(invoice.id, {}, { idempotencyKey: `end-billing-void-${invoice.id}` });
      done.push(`${invoice.id} voided`);
      await recordAudit(
        { type: "system" },
        "billing.invoice_voided",
        { type: "order", id: orderId },
        { invoiceId: invoice.id, amountDue: invoice.amount_due, reason },
      );
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
      // Stripe refused the void (a partly paid invoice, say): no further collection either way.
      await stripe().invoices.markUncollectible(invoice.id, {}, { idempotencyKey: `end-billing-uncollectible-${invoice.id}` });
      done.push(`${invoice.id} marked uncollectible`);
      await recordAudit(
        { type: "system" },
        "billing.invoice_marked_uncollectible",
        { type: "order", id: orderId },
        { invoiceId: invoice.id, amountDue: invoice.amount_due, reason, voidRefused: error.message },
      );
    }
  }
  return done.length ? done.join(", ") : "no open invoice";
}
