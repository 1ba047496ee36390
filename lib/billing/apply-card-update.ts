// A card update fixes billing at once (issue 17). The portal's payment_method_update sets only
// the customer's `invoice_settings.default_payment_method`, while Checkout put its card on each
// subscription — and a subscription's own default_payment_method is what Stripe charges first,
// retries included ("Payment method ordering", docs.stripe.com/billing/revenue-recovery/smart-retries:
// "update the field where the previous payment failed"). So on the signal (`customer.updated`,
// `setup_intent.succeeded`), re-read from Stripe, the customer's default is set on every live
// subscription of theirs, and each one's owed renewals are paid now, oldest first (`invoices.pay`,
// off-session, idempotency-keyed), instead of days later at a retry on the old card. A paid
// invoice then restores through the usual invoice.paid signal (I7). Each (invoice, card) is charged
// once, audited: a later customer.updated about something else charges nobody again.
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { NEEDS_AUTHENTICATION } from "@/lib/billing/payment-problem";
import { idOf } from "@/lib/billing/sync-subscription";
import { listOwedRenewals } from "@/lib/billing-state/owed";

/** Subscriptions whose invoices Stripe still collects (a canceled one is over: paying it restores nothing). */
const LIVE: ReadonlySet<Stripe.Subscription.Status> = new Set(["active", "past_due", "unpaid", "trialing"]);

export type CardUpdatePlan = { customerId: string; paymentMethodId: string; subscriptionIds: string[] } | null;

/** The customer's card as Stripe has it now, and their live subscriptions; null when there is nothing to do. */
export async function planCardUpdate(stripeCustomerId: string): Promise<CardUpdatePlan> {
  const user = await db.user.findUnique({ where: { stripeCustomerId }, select: { id: true } });
  if (!user) return null; // not a customer of this product
  const customer = await stripe().customers.retrieve(stripeCustomerId);
  if (customer.deleted) return null;
  const card = customer.invoice_settings?.default_payment_method;
  if (!card) return null;
  const subscriptionIds: string[] = [];
  for await (const sub of stripe().subscriptions.list({ customer: stripeCustomerId, status: "all", limit: 100 })) {
    if (LIVE.has(sub.status)) subscriptionIds.push(sub.id);
  }
  return { customerId: stripeCustomerId, paymentMethodId: idOf(card), subscriptionIds: subscriptionIds.reverse() };
}

/** Makes `paymentMethodId` the subscription's own default (what its invoices and retries charge). */
export async function setSubscriptionCard(subscriptionId: string, paymentMethodId: string): Promise<"set" | "already"> {
  const sub = await stripe().subscriptions.retrieve(subscriptionId);
  if (sub.default_payment_method && idOf(sub.default_payment_method) === paymentMethodId) return "already";
  await stripe().subscriptions.update(
    subscriptionId,
    { default_payment_method: paymentMethodId },
    { idempotencyKey: `card-update-${subscriptionId}-${paymentMethodId}` },
  );
  await recordAudit({ type: "stripe" }, "billing.card_update_applied", { type: "subscription", id: subscriptionId }, { paymentMethodId });
  return "set";
}

export type RenewalPayment = { invoiceId: string; outcome: "paid" | "declined" | "requires_action" | "already_tried"; message: string | null };

/** Pays the subscription's owed renewals with its card, oldest first, stopping at the first that does not go through. */
export async function payOwedRenewals(subscriptionId: string, paymentMethodId: string): Promise<RenewalPayment[]> {
  const results: RenewalPayment[] = [];
  for (const invoice of await listOwedRenewals(subscriptionId)) {
    const tried = await db.auditEvent.findFirst({
      where: {
        action: "billing.card_update_payment",
        subjectType: "invoice",
        subjectId: invoice.id,
        data: { path: ["paymentMethodId"], equals: paymentMethodId },
      },
      select: { id: true },
    });
    if (tried) {
      results.push({ invoiceId: invoice.id, outcome: "already_tried", message: null });
      break;
    }
    const result = await payWithCard(invoice.id, paymentMethodId);
    await recordAudit({ type: "stripe" }, "billing.card_update_payment", { type: "invoice", id: invoice.id }, { paymentMethodId, subscriptionId, ...result });
    results.push({ invoiceId: invoice.id, ...result });
    if (result.outcome !== "paid") break;
  }
  return results;
}

async function payWithCard(invoiceId: string, paymentMethodId: string): Promise<Omit<RenewalPayment, "invoiceId">> {
  try {
    // Off-session: the customer already left the portal. Keyed by invoice and card, so a retried
    // step replays Stripe's first answer instead of charging again.
    await stripe().invoices.pay(invoiceId, { off_session: true }, { idempotencyKey: `card-update-pay-${invoiceId}-${paymentMethodId}` });
    return { outcome: "paid", message: null };
  } catch (error) {
    const stripeError = error as Stripe.errors.StripeError;
    if (stripeError.code === "invoice_payment_intent_requires_action") return { outcome: "requires_action", message: NEEDS_AUTHENTICATION };
    // Stripe's card messages are written for the customer ("Your card was declined."); /billing shows them.
    if (stripeError.type === "StripeCardError") return { outcome: "declined", message: stripeError.message };
    throw error;
  }
}

/** The whole update in one go (the sweeper's convergence of a card signal no run finished). */
export async function applyCardUpdate(stripeCustomerId: string): Promise<RenewalPayment[]> {
  const plan = await planCardUpdate(stripeCustomerId);
  if (!plan) return [];
  for (const subscriptionId of plan.subscriptionIds) await setSubscriptionCard(subscriptionId, plan.paymentMethodId);
  const payments: RenewalPayment[] = [];
  for (const subscriptionId of plan.subscriptionIds) payments.push(...(await payOwedRenewals(subscriptionId, plan.paymentMethodId)));
  return payments;
}

/** Which customer a card signal is about: the customer itself, or the SetupIntent's customer. */
export async function customerOfCardSignal(type: string, objectId: string): Promise<string | null> {
  if (type === "customer.updated") return objectId;
  const setupIntent = await stripe().setupIntents.retrieve(objectId);
  return setupIntent.status === "succeeded" && setupIntent.customer ? idOf(setupIntent.customer) : null;
}
