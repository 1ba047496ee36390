// Money that moved: InvoicePayment objects (how the pinned API links an invoice to its
// PaymentIntent) and refunds against them.
import type Stripe from "stripe";
import { invalidRequest, noSuch, type Decline } from "../errors";
import { list } from "../list";
import type { Params } from "../params";
import { refuseRefundOfDisputedCharge } from "../disputes";
import { cardForInvoice } from "../payment-methods";
import { markWarningsNotActionable } from "../radar";
import { newId } from "../store";
import type { InvoiceIntent, PaymentRecord, SimContext } from "../types";
import { buildCharge } from "./charge";

/**
 * The PaymentIntent Stripe creates when it finalizes an invoice with money due; its client secret
 * is the invoice's includable `confirmation_secret` (what a page confirms 3-D Secure with). It is
 * the invoice's default payment: an `open` InvoicePayment (`is_default: true`) links the two from
 * then on, and becomes `paid` when the invoice is (Stripe: the InvoicePayment object).
 */
export function invoicePaymentIntent(ctx: SimContext, invoiceId: string): InvoiceIntent {
  let intent = ctx.store.invoiceIntents.get(invoiceId);
  if (!intent) {
    const id = newId("pi_3");
    const created = ctx.clock.now();
    intent = { id, clientSecret: `${id}_secret_${newId("", 25)}`, created, lastError: null, requiresAction: false };
    ctx.store.invoiceIntents.set(invoiceId, intent);
    const invoice = ctx.store.invoices.get(invoiceId);
    const invoicePayment: Stripe.InvoicePayment = {
      id: newId("inpay_1"),
      object: "invoice_payment",
      amount_paid: null,
      amount_requested: invoice?.amount_due ?? 0,
      created,
      currency: invoice?.currency ?? "usd",
      invoice: invoiceId,
      is_default: true,
      livemode: false,
      payment: { payment_intent: id, type: "payment_intent" },
      status: "open",
      status_transitions: { canceled_at: null, paid_at: null },
    };
    ctx.store.invoicePayments.set(invoicePayment.id, invoicePayment);
  }
  return intent;
}

/** How a charge attempt on the invoice ended, as its PaymentIntent's `last_payment_error` and status show it. */
export function recordPaymentAttempt(ctx: SimContext, invoiceId: string, outcome: { ok: boolean; requiresAction?: boolean; decline?: Decline }) {
  const intent = invoicePaymentIntent(ctx, invoiceId);
  intent.requiresAction = !outcome.ok && outcome.requiresAction === true;
  intent.lastError = outcome.ok || !outcome.decline ? null : { ...outcome.decline };
}

/**
 * GET /v1/payment_intents/:id for an invoice's PaymentIntent: status, amount and the last error
 * (`last_payment_error`: type card_error, Stripe's code, decline_code and customer-safe message).
 * The fields this stand-in has no model for (shipping, transfers, processing…) are null or absent.
 */
export function paymentIntentObject(ctx: SimContext, id: string): Stripe.PaymentIntent {
  const entry = [...ctx.store.invoiceIntents.entries()].find(([, intent]) => intent.id === id);
  if (!entry) throw noSuch("payment_intent", id, "intent");
  const [invoiceId, intent] = entry;
  const invoice = ctx.store.invoice(invoiceId);
  const status: Stripe.PaymentIntent.Status =
    invoice.status === "paid" ? "succeeded" : invoice.status === "void" ? "canceled" : intent.requiresAction ? "requires_action" : "requires_payment_method";
  const error = intent.lastError;
  const object = {
    id,
    object: "payment_intent",
    amount: invoice.amount_due,
    amount_received: invoice.status === "paid" ? invoice.amount_paid : 0,
    capture_method: "automatic_async",
    client_secret: intent.clientSecret,
    confirmation_method: "automatic",
    created: intent.created,
    currency: invoice.currency,
    customer: String(invoice.customer),
    description: null,
    last_payment_error:
      error && status !== "succeeded"
        ? ({ type: "card_error", code: error.code, decline_code: error.decline_code, message: error.message } as Stripe.PaymentIntent.LastPaymentError)
        : null,
    livemode: false,
    metadata: {},
    next_action: status === "requires_action" ? { type: "use_stripe_sdk" } : null,
    payment_method_types: ["card"],
    status,
  } satisfies Partial<Stripe.PaymentIntent>;
  return object as Stripe.PaymentIntent;
}

/** null while the invoice is a draft or has nothing to charge: Stripe has no PaymentIntent then. */
export function invoiceConfirmationSecret(
  ctx: SimContext,
  invoice: { id: string; status: string | null; amount_due: number },
): Stripe.Invoice.ConfirmationSecret | null {
  if (invoice.status === "draft" || invoice.amount_due <= 0) return null;
  return { client_secret: invoicePaymentIntent(ctx, invoice.id).clientSecret, type: "payment_intent" };
}

export function recordInvoicePayment(ctx: SimContext, invoice: Stripe.Invoice): PaymentRecord {
  const now = ctx.clock.now();
  const intent = invoicePaymentIntent(ctx, invoice.id);
  intent.lastError = null;
  intent.requiresAction = false;
  // The default payment (open since finalization) is the one that is now paid.
  const existing = [...ctx.store.invoicePayments.values()].find((p) => p.invoice === invoice.id && p.is_default && p.status === "open");
  const record: PaymentRecord = {
    paymentIntentId: intent.id,
    chargeId: newId("ch_3"),
    invoicePaymentId: existing?.id ?? newId("inpay_1"),
    invoiceId: invoice.id,
    customerId: String(invoice.customer),
    amount: invoice.amount_due,
    amountRefunded: 0,
    currency: invoice.currency,
  };
  const invoicePayment: Stripe.InvoicePayment = {
    id: record.invoicePaymentId,
    object: "invoice_payment",
    amount_paid: record.amount,
    amount_requested: record.amount,
    created: existing?.created ?? now,
    currency: record.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: record.paymentIntentId, type: "payment_intent" },
    status: "paid",
    status_transitions: { canceled_at: null, paid_at: now },
  };
  ctx.store.payments.set(record.paymentIntentId, record);
  ctx.store.invoicePayments.set(invoicePayment.id, invoicePayment);
  buildCharge(ctx, record, cardForInvoice(ctx, invoice));
  return record;
}

export function invoicePaymentList(ctx: SimContext, invoiceId: string): Stripe.ApiList<Stripe.InvoicePayment> {
  const payments = [...ctx.store.invoicePayments.values()].filter((p) => p.invoice === invoiceId);
  return list(payments, `/v1/invoice_payments?invoice=${invoiceId}`);
}

export function createRefund(ctx: SimContext, p: Params): Stripe.Refund {
  const record = findPayment(ctx, p);
  // A charged-back payment cannot be refunded as well: the bank already took the money back.
  refuseRefundOfDisputedCharge(ctx, record.chargeId);
  const remaining = record.amount - record.amountRefunded;
  if (remaining <= 0) {
    throw invalidRequest(`Charge ${record.chargeId} has already been refunded.`, { code: "charge_already_refunded" });
  }
  const amount = p.int("amount") ?? remaining;
  if (amount <= 0 || amount > remaining) {
    throw invalidRequest(`Refund amount (${formatCents(amount)}) is greater than unrefunded amount on charge (${formatCents(remaining)})`, {
      param: "amount",
      code: "amount_too_large",
    });
  }
  record.amountRefunded += amount;
  const refund: Stripe.Refund = {
    id: newId("re_3"),
    object: "refund",
    amount,
    balance_transaction: newId("txn_3"),
    charge: record.chargeId,
    created: ctx.clock.now(),
    currency: record.currency,
    customer: record.customerId,
    customer_account: null,
    destination_details: {
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
      type: "card",
    } as Stripe.Refund.DestinationDetails,
    metadata: p.mergeMetadata({}),
    payment_intent: record.paymentIntentId,
    payment_method: null,
    reason: p.oneOf("reason", ["duplicate", "fraudulent", "requested_by_customer"] as const) ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  ctx.store.refunds.set(refund.id, refund);
  ctx.events.emit("refund.created", refund);
  const charge = ctx.store.charges.get(record.chargeId);
  if (charge) {
    charge.amount_refunded = record.amountRefunded;
    charge.refunded = record.amountRefunded >= record.amount;
    ctx.events.emit("charge.refunded", charge);
  }
  // A fully refunded charge has nothing left to dispute: its early fraud warnings stop being actionable.
  if (record.amountRefunded >= record.amount) markWarningsNotActionable(ctx, record.chargeId);
  return refund;
}

function findPayment(ctx: SimContext, p: Params): PaymentRecord {
  const paymentIntent = p.str("payment_intent");
  const charge = p.str("charge");
  if (paymentIntent) {
    const record = ctx.store.payments.get(paymentIntent);
    if (!record) throw noSuch("payment_intent", paymentIntent, "payment_intent");
    return record;
  }
  if (charge) {
    const record = [...ctx.store.payments.values()].find((r) => r.chargeId === charge);
    if (!record) throw noSuch("charge", charge, "charge");
    return record;
  }
  throw invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", {
    code: "parameter_missing",
  });
}

function formatCents(amount: number): string {
  return `$${(amount / 100).toFixed(2)}`;
}
