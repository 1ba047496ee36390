// POST /v1/subscriptions/:id and POST /v1/invoices/create_preview.
// `proration_behavior`: none (no money), create_prorations (lines wait for the next renewal),
// always_invoice (an invoice now). `payment_behavior` decides what an unpaid invoice means:
// allow_incomplete applies the change and lets the subscription fall past_due,
// error_if_incomplete refuses with a 402, pending_if_incomplete keeps the old items and records a
// `pending_update` that applies only when the invoice is paid (or lapses after ~23 h).
import type Stripe from "stripe";
import { afterFailedCollection, collectInvoice, NO_PAYMENT_METHOD_MESSAGE, voidInvoice } from "./billing";
import { charge } from "./cards";
import { cardError, invalidRequest, missingParam } from "./errors";
import { EventLog } from "./events";
import { buildInvoice, periodLines } from "./objects/invoice";
import { applyItemChanges, currentPeriod, customerId, periodEnd } from "./objects/subscription";
import type { Params } from "./params";
import { applyPauseCollection } from "./pause-collection";
import { cardForSubscription, requireCustomerPaymentMethod } from "./payment-methods";
import { planItemChanges, prorationLines } from "./proration";
import { phaseEnteredAt } from "./schedule-clock";
import { enterPhase, refuseCancelChangeWhileScheduled } from "./schedules";
import { clone } from "./store";
import { refuseWithoutLocation, requireTaxReady } from "./tax";
import type { ItemChange, LineSpec, SimContext } from "./types";

const PRORATION = ["always_invoice", "create_prorations", "none"] as const;
const PAYMENT = ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"] as const;
// What Stripe lets a pending update carry.
const PENDING_ALLOWED = new Set([
  "items",
  "proration_behavior",
  "proration_date",
  "payment_behavior",
  "expand",
  "billing_cycle_anchor",
  "trial_end",
  "trial_from_plan",
  "add_invoice_items",
  "metadata",
]);

export function updateSubscription(ctx: SimContext, sub: Stripe.Subscription, p: Params): Stripe.Subscription {
  if (sub.status === "canceled") {
    throw invalidRequest("A canceled subscription can only update its cancellation_details and metadata.");
  }
  if (p.has("cancel_at_period_end") || p.has("cancel_at")) refuseCancelChangeWhileScheduled(sub);
  const paymentBehavior = p.oneOf("payment_behavior", PAYMENT) ?? "allow_incomplete";
  const prorationBehavior = p.oneOf("proration_behavior", PRORATION) ?? "create_prorations";
  if (paymentBehavior === "pending_if_incomplete") {
    const refused = p.keys().filter((key) => !PENDING_ALLOWED.has(key));
    if (refused.length) {
      throw invalidRequest(`The following parameters cannot be used with payment_behavior=pending_if_incomplete: ${refused.join(", ")}.`, {
        param: refused[0],
      });
    }
  }
  const changes = p.has("items") ? planItemChanges(ctx, sub, p.list("items")) : [];
  const prorationDate = p.int("proration_date") ?? ctx.clock.now();
  const lines = prorationBehavior === "none" ? [] : prorationLines(ctx, sub, changes, prorationDate);
  const invoiceNow = prorationBehavior === "always_invoice" && lines.length > 0;

  if (invoiceNow && paymentBehavior === "error_if_incomplete") refuseIfCardFails(ctx, sub);
  if (invoiceNow && paymentBehavior === "pending_if_incomplete") return updateIfPaid(ctx, sub, changes, lines, prorationDate, p);

  const before = clone(sub);
  applyPlainFields(ctx, sub, p);
  applyItemChanges(ctx, sub, changes);
  const invoice = invoiceNow ? storeUpdateInvoice(ctx, sub, lines, prorationDate) : null;
  if (!invoiceNow && lines.length) ctx.store.subscriptionExtrasFor(sub.id).pendingProrations.push(...lines);
  const previous = EventLog.changes(before, sub);
  if (Object.keys(previous).length) ctx.events.emit("customer.subscription.updated", sub, previous);
  if (invoice) {
    ctx.events.emit("invoice.created", invoice);
    const result = collectInvoice(ctx, invoice, { offSession: true, autoRetry: true });
    if (!result.ok) afterFailedCollection(ctx, sub, invoice);
  }
  return sub;
}

function updateIfPaid(ctx: SimContext, sub: Stripe.Subscription, changes: ItemChange[], lines: LineSpec[], prorationDate: number, p: Params) {
  // "A second pending update replaces the first and voids its invoice" (Stripe: pending updates).
  replacePendingUpdate(ctx, sub);
  const metadata = p.has("metadata") ? p.mergeMetadata(sub.metadata) : null;
  const invoice = storeUpdateInvoice(ctx, sub, lines, prorationDate);
  ctx.events.emit("invoice.created", invoice);
  // subscriptions.update is on-session (the customer is there): a 3-D Secure card asks for action.
  const result = collectInvoice(ctx, invoice, { offSession: false });
  ctx.events.update("customer.subscription.updated", sub, () => {
    sub.latest_invoice = invoice.id;
    if (result.ok) {
      applyItemChanges(ctx, sub, changes);
      if (metadata) sub.metadata = metadata;
      return;
    }
    const future = clone(sub);
    applyItemChanges(ctx, future, changes);
    sub.pending_update = {
      billing_cycle_anchor: null,
      cancel_at_period_end: null,
      discount: null,
      discounts: null,
      // The earlier of ~23 h and the end of the current period.
      expires_at: Math.min(ctx.clock.now() + ctx.options.pendingUpdateTtlSeconds, currentPeriod(sub).end),
      metadata: null,
      subscription_items: future.items.data,
      trial_end: null,
      trial_from_plan: null,
    };
    ctx.store.subscriptionExtrasFor(sub.id).pendingChange = { changes, invoiceId: invoice.id, metadata };
  });
  return sub;
}

function replacePendingUpdate(ctx: SimContext, sub: Stripe.Subscription) {
  const extras = ctx.store.subscriptionExtrasFor(sub.id);
  const earlier = extras.pendingChange;
  if (!earlier) return;
  extras.pendingChange = undefined;
  const invoice = ctx.store.invoices.get(earlier.invoiceId);
  if (invoice?.status === "open") voidInvoice(ctx, invoice);
}

function storeUpdateInvoice(ctx: SimContext, sub: Stripe.Subscription, lines: LineSpec[], prorationDate: number): Stripe.Invoice {
  const customer = ctx.store.customer(customerId(sub));
  const invoice = buildInvoice(ctx, {
    customer,
    subscription: sub,
    reason: "subscription_update",
    lines,
    period: { start: prorationDate, end: prorationDate },
  });
  ctx.store.invoices.set(invoice.id, invoice);
  sub.latest_invoice = invoice.id;
  return invoice;
}

function refuseIfCardFails(ctx: SimContext, sub: Stripe.Subscription) {
  const card = cardForSubscription(ctx, sub);
  const result = card ? charge(card.number, { offSession: true }) : null;
  if (!result) throw invalidRequest(NO_PAYMENT_METHOD_MESSAGE);
  if (result.outcome !== "succeeded") throw cardError(result.decline);
}

function applyPlainFields(ctx: SimContext, sub: Stripe.Subscription, p: Params) {
  const automaticTax = p.obj("automatic_tax")?.bool("enabled");
  if (automaticTax) {
    requireTaxReady(ctx, "automatic_tax[enabled]");
    refuseWithoutLocation(ctx.store.customer(customerId(sub)), "automatic_tax[enabled]");
  }
  if (automaticTax !== undefined) sub.automatic_tax = { ...sub.automatic_tax, enabled: automaticTax, liability: automaticTax ? { type: "self" } : null };
  if (p.has("metadata")) sub.metadata = p.mergeMetadata(sub.metadata);
  if (p.has("description")) sub.description = p.nullableStr("description") ?? null;
  applyPauseCollection(ctx, sub, p);
  if (p.has("default_payment_method")) {
    const paymentMethod = p.nullableStr("default_payment_method") ?? null;
    if (paymentMethod) requireCustomerPaymentMethod(ctx, customerId(sub), paymentMethod, "default_payment_method");
    sub.default_payment_method = paymentMethod;
  }
  if (p.has("cancel_at_period_end")) {
    const cancel = p.bool("cancel_at_period_end") ?? false;
    sub.cancel_at_period_end = cancel;
    // Since 2025 Stripe mirrors cancel_at_period_end into cancel_at.
    sub.cancel_at = cancel ? currentPeriod(sub).end : null;
    sub.canceled_at = cancel ? ctx.clock.now() : null;
  }
  if (p.has("cancel_at")) {
    sub.cancel_at = p.int("cancel_at") ?? null;
    sub.cancel_at_period_end = false;
  }
}

/** A draft invoice showing what a change would cost; nothing is stored. */
export function previewInvoice(ctx: SimContext, p: Params): Stripe.Invoice {
  const subId = p.str("subscription");
  if (!subId) throw missingParam("subscription");
  const sub = ctx.store.subscription(subId);
  const customer = ctx.store.customer(p.str("customer") ?? customerId(sub), "customer");
  const details = p.obj("subscription_details");
  const behavior = details?.oneOf("proration_behavior", PRORATION) ?? "create_prorations";
  const changes = details?.has("items") ? planItemChanges(ctx, sub, details.list("items")) : [];
  const prorationDate = details?.int("proration_date") ?? ctx.clock.now();
  const prorations = behavior === "none" ? [] : prorationLines(ctx, sub, changes, prorationDate);
  // The stand-in taxes a preview only when asked (`automatic_tax[enabled]`, the preview's own
  // setting in InvoiceCreatePreviewParams): it never infers it, so a caller that wants the quote to
  // equal a taxed invoice must ask, and Stripe Tax must be ready for this customer.
  const automaticTax = p.obj("automatic_tax")?.bool("enabled") ?? false;
  if (automaticTax) {
    requireTaxReady(ctx, "automatic_tax[enabled]");
    refuseWithoutLocation(customer, "automatic_tax[enabled]");
  }

  let invoice: Stripe.Invoice;
  if (behavior === "always_invoice" && prorations.length) {
    const period = { start: prorationDate, end: prorationDate };
    invoice = buildInvoice(ctx, { customer, subscription: sub, reason: "subscription_update", lines: prorations, period, preview: true, automaticTax });
  } else {
    // The next renewal: waiting prorations, these prorations, then the next period at the new
    // items — those of the schedule's next phase when one starts at this period end.
    const future = clone(sub);
    applyItemChanges(ctx, future, changes);
    const current = currentPeriod(sub);
    const entered = phaseEnteredAt(ctx, sub, current.end);
    if (entered) enterPhase(ctx, future, entered);
    const next = { start: current.end, end: Math.min(...future.items.data.map((i) => periodEnd(i.price, current.end, sub.billing_cycle_anchor))) };
    const lines = [...ctx.store.subscriptionExtrasFor(sub.id).pendingProrations, ...prorations, ...periodLines(ctx, future, next)];
    invoice = buildInvoice(ctx, { customer, subscription: sub, reason: "upcoming", lines, period: current, preview: true, automaticTax });
    invoice.next_payment_attempt = current.end;
  }
  if (prorations.length && invoice.parent?.subscription_details) {
    invoice.parent.subscription_details.subscription_proration_date = prorationDate;
  }
  return invoice;
}
