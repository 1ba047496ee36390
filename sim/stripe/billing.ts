// Collecting an invoice and what it does to its subscription. Stripe's rules kept here:
// - a failed automatic attempt schedules the next smart retry (`next_payment_attempt`), and the
//   subscription goes past_due; with no retry left the account's dunning settings decide what
//   happens to the subscription and the invoice (dunning.ts);
// - paying the last open invoice of a past_due/unpaid subscription makes it active again;
// - paying the invoice of a pending update applies the update (pending_update_applied).
import type Stripe from "stripe";
import { charge, normalizeCardNumber } from "./cards";
import { cardError, type Decline, invalidRequest, StripeApiError } from "./errors";
import { EventLog } from "./events";
import { finalizeInvoice } from "./objects/invoice";
import { invoicePaymentIntent, recordInvoicePayment, recordPaymentAttempt } from "./objects/payment";
import { applyItemChanges, currentPeriod, isLive, openInvoicesOf, subscriptionIdOf } from "./objects/subscription";
import { endScheduleWithSubscription } from "./schedule-clock";
import { finalOutcome, nextRetryAt } from "./dunning";
import { cardForInvoice } from "./payment-methods";
import { clone } from "./store";
import type { SimContext } from "./types";

export interface CollectOptions {
  /** Card number to charge instead of the payment method Stripe would pick (payment-methods.ts). */
  card?: string;
  /** Renewals and retries run without the customer present: no 3-D Secure prompt possible. */
  offSession: boolean;
  /** The customer passed 3-D Secure on a hosted page. */
  authenticated?: boolean;
  /** Failures schedule the next smart retry. */
  autoRetry?: boolean;
}

export type CollectResult = { ok: true } | { ok: false; requiresAction: boolean; decline: Decline; noPaymentMethod: boolean };

// Stripe's answer when an invoice has nothing to charge (API error text for invoices.pay and for
// subscription changes that invoice at once).
export const NO_PAYMENT_METHOD_MESSAGE = "This customer has no attached payment source or default payment method.";
const NO_PAYMENT_METHOD: Decline = { code: "payment_method_missing", message: NO_PAYMENT_METHOD_MESSAGE };

export function collectInvoice(ctx: SimContext, invoice: Stripe.Invoice, opts: CollectOptions): CollectResult {
  finalizeInvoice(ctx, invoice);
  if (invoice.amount_due <= 0) {
    markInvoicePaid(ctx, invoice);
    return { ok: true };
  }
  const number = opts.card ?? cardForInvoice(ctx, invoice)?.number;
  invoice.attempted = true;
  invoice.attempt_count += 1;
  const noPaymentMethod = !number;
  const result = number ? charge(number, opts) : { outcome: "declined" as const, decline: NO_PAYMENT_METHOD };
  if (result.outcome === "succeeded") {
    markInvoicePaid(ctx, invoice);
    return { ok: true };
  }
  if (opts.autoRetry) invoice.next_payment_attempt = nextRetryAt(ctx, invoice, { decline: result.decline, noPaymentMethod });
  const requiresAction = result.outcome === "requires_action";
  // With nothing to charge no payment was attempted: the invoice's PaymentIntent keeps no error.
  if (noPaymentMethod) invoicePaymentIntent(ctx, invoice.id);
  else recordPaymentAttempt(ctx, invoice.id, { ok: false, requiresAction, decline: result.decline });
  if (requiresAction) ctx.events.emit("invoice.payment_action_required", invoice);
  ctx.events.emit("invoice.payment_failed", invoice);
  return { ok: false, requiresAction, decline: result.decline, noPaymentMethod };
}

/** Paying an open invoice on request (API, portal, hosted page): a decline is a 402 and still counts as an attempt. */
export function payInvoiceNow(ctx: SimContext, invoice: Stripe.Invoice, opts: CollectOptions): Stripe.Invoice {
  if (invoice.status === "paid") throw invalidRequest("Invoice is already paid", { code: "invoice_already_paid" });
  // An uncollectible invoice can still be paid (Stripe: invoice statuses); a void one cannot.
  if (invoice.status === "void") throw invalidRequest("You cannot pay a void invoice.", { code: "invoice_not_editable" });
  const result = collectInvoice(ctx, invoice, { ...opts, card: opts.card && normalizeCardNumber(opts.card) });
  if (!result.ok) {
    if (result.noPaymentMethod) throw invalidRequest(NO_PAYMENT_METHOD_MESSAGE);
    if (result.requiresAction) {
      throw new StripeApiError(402, {
        type: "card_error",
        code: "invoice_payment_intent_requires_action",
        message: "This payment requires additional user action before it can be completed successfully.",
      });
    }
    throw cardError(result.decline);
  }
  return invoice;
}

export function markInvoicePaid(ctx: SimContext, invoice: Stripe.Invoice, { outOfBand = false } = {}) {
  if (invoice.amount_due > 0 && !outOfBand) recordInvoicePayment(ctx, invoice);
  invoice.status = "paid";
  delete invoice.status_details; // shown only while the invoice is uncollectible
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions, paid_at: ctx.clock.now() };
  ctx.events.emit("invoice.paid", invoice);
  ctx.events.emit("invoice.payment_succeeded", invoice);
  afterInvoicePaid(ctx, invoice);
}

/** Marks an open invoice paid without charging (Stripe's `paid_out_of_band`). */
export function markPaidOutOfBand(ctx: SimContext, invoice: Stripe.Invoice) {
  finalizeInvoice(ctx, invoice);
  markInvoicePaid(ctx, invoice, { outOfBand: true });
}

function afterInvoicePaid(ctx: SimContext, invoice: Stripe.Invoice) {
  const subId = subscriptionIdOf(invoice);
  const sub = subId ? ctx.store.subscriptions.get(subId) : undefined;
  if (!sub) return;
  const extras = ctx.store.subscriptionExtrasFor(sub.id);
  if (extras.pendingChange?.invoiceId === invoice.id) applyPendingUpdate(ctx, sub);
  const recovering = sub.status === "past_due" || sub.status === "unpaid" || sub.status === "incomplete";
  // The status follows the latest invoice: paying it reactivates the subscription even while an
  // older invoice stays open (Stripe: "pay the most recent invoice" to reactivate an unpaid one).
  if (recovering && (sub.latest_invoice === invoice.id || openInvoicesOf(ctx, sub).length === 0)) setStatus(ctx, sub, "active");
}

/**
 * After a failed automatic collection: past_due while a retry is scheduled; with none left (or
 * none possible) the account's dunning settings decide (dunning.ts).
 */
export function afterFailedCollection(ctx: SimContext, sub: Stripe.Subscription, invoice: Stripe.Invoice) {
  if (!isLive(sub)) return;
  if (invoice.next_payment_attempt !== null) {
    if (sub.status !== "past_due") setStatus(ctx, sub, "past_due");
    return;
  }
  const outcome = finalOutcome(ctx, sub, invoice);
  if (outcome.markUncollectible && invoice.status === "open") markUncollectible(ctx, invoice, "max_payment_attempts");
  if (outcome.subscription && sub.status !== outcome.subscription) setStatus(ctx, sub, outcome.subscription);
}

export function setStatus(ctx: SimContext, sub: Stripe.Subscription, status: Stripe.Subscription.Status) {
  if (status === "canceled") {
    cancelSubscription(ctx, sub, "payment_failed");
    return;
  }
  ctx.events.update("customer.subscription.updated", sub, () => (sub.status = status));
}

export function cancelSubscription(ctx: SimContext, sub: Stripe.Subscription, reason: Stripe.Subscription.CancellationDetails.Reason) {
  if (sub.status === "canceled") return;
  const now = ctx.clock.now();
  sub.status = "canceled";
  sub.canceled_at = sub.canceled_at ?? now;
  sub.ended_at = now;
  sub.cancellation_details = { ...(sub.cancellation_details ?? { comment: null, feedback: null, feedback_option: null }), reason };
  sub.pending_update = null;
  // An open invoice of a canceled subscription is no longer retried.
  for (const invoice of openInvoicesOf(ctx, sub)) invoice.next_payment_attempt = null;
  ctx.events.emit("customer.subscription.deleted", sub);
  // Its schedule ends with it: `completed` when that was the schedule's end, else `canceled`.
  endScheduleWithSubscription(ctx, sub);
}

/** What the portal's "Cancel plan" does by default: keep access until the period ends. */
export function cancelSubscriptionAtPeriodEnd(ctx: SimContext, sub: Stripe.Subscription) {
  ctx.events.update("customer.subscription.updated", sub, () => {
    sub.cancel_at_period_end = true;
    sub.cancel_at = currentPeriod(sub).end;
    sub.canceled_at = ctx.clock.now();
    sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: "cancellation_requested" };
  });
}

export function applyPendingUpdate(ctx: SimContext, sub: Stripe.Subscription) {
  const extras = ctx.store.subscriptionExtrasFor(sub.id);
  const change = extras.pendingChange;
  if (!change) return;
  extras.pendingChange = undefined;
  const before = clone(sub);
  applyItemChanges(ctx, sub, change.changes);
  // Metadata sent with the update is merged only now, when the update applies.
  if (change.metadata) sub.metadata = { ...sub.metadata, ...change.metadata };
  sub.pending_update = null;
  const previous = EventLog.changes(before, sub);
  ctx.events.emit("customer.subscription.pending_update_applied", sub, previous);
  ctx.events.emit("customer.subscription.updated", sub, previous);
}

/** An unpaid pending update lapses: its invoice is voided and the subscription stays as it was. */
export function expirePendingUpdate(ctx: SimContext, sub: Stripe.Subscription) {
  const extras = ctx.store.subscriptionExtrasFor(sub.id);
  const invoice = extras.pendingChange ? ctx.store.invoices.get(extras.pendingChange.invoiceId) : undefined;
  extras.pendingChange = undefined;
  if (invoice?.status === "open") voidInvoice(ctx, invoice);
  ctx.events.update("customer.subscription.pending_update_expired", sub, () => (sub.pending_update = null));
}

export function voidInvoice(ctx: SimContext, invoice: Stripe.Invoice) {
  invoice.status = "void";
  invoice.next_payment_attempt = null;
  invoice.amount_remaining = 0;
  invoice.status_transitions = { ...invoice.status_transitions, voided_at: ctx.clock.now() };
  ctx.events.emit("invoice.voided", invoice);
}

export function markUncollectible(ctx: SimContext, invoice: Stripe.Invoice, reason: Stripe.Invoice.StatusDetails.Uncollectible.Reason) {
  invoice.status = "uncollectible";
  invoice.next_payment_attempt = null;
  invoice.status_details = { uncollectible: { reason } };
  invoice.status_transitions = { ...invoice.status_transitions, marked_uncollectible_at: ctx.clock.now() };
  ctx.events.emit("invoice.marked_uncollectible", invoice);
}
