// Checkout Sessions in subscription mode: creation rules, what paying on the hosted page does,
// and expiry. A successful payment creates, in Stripe's order: the customer (if new), the active
// subscription, its first invoice (created → finalized → paid), then completes the session.
import type Stripe from "stripe";
import { markInvoicePaid } from "./billing";
import { AUTHENTICATION_FAILED, charge, normalizeCardNumber } from "./cards";
import { type Decline, invalidParam, invalidRequest, missingParam } from "./errors";
import { buildSession } from "./objects/checkout-session";
import { createCustomer } from "./objects/customer";
import { buildInvoice, finalizeInvoice, periodLines } from "./objects/invoice";
import { buildSubscription, currentPeriod } from "./objects/subscription";
import type { Params } from "./params";
import { applyBillingDetails, type BillingDetails, billingDetailsProblem, readCheckoutTax, sessionTaxFields } from "./checkout-tax";
import { attachCard } from "./payment-methods";
import type { SessionItem, SimContext } from "./types";

const MIN_LIFETIME = 30 * 60;
const MAX_LIFETIME = 24 * 60 * 60;

export function createSession(ctx: SimContext, p: Params): Stripe.Checkout.Session {
  const mode = p.reqStr("mode");
  if (mode !== "subscription") throw invalidParam("mode", `The Stripe stand-in only supports mode=subscription (got ${mode}).`);
  const lineItems = p.list("line_items");
  if (!lineItems.length) throw missingParam("line_items");
  const items: SessionItem[] = lineItems.map((item) => {
    const price = ctx.store.price(item.reqStr("price"), item.name("price"));
    if (!price.active) {
      throw invalidRequest("The price specified is inactive. This field only accepts active prices.", { param: item.name("price") });
    }
    const quantity = item.reqInt("quantity");
    if (quantity < 1) throw invalidParam(item.name("quantity"), "Quantity must be greater than 0.");
    return { price: price.id, quantity };
  });
  const prices = items.map((item) => ctx.store.price(item.price));
  if (!prices.some((price) => price.recurring)) {
    throw invalidRequest("You must provide at least one recurring price in `subscription` mode when using prices.", { param: "line_items" });
  }
  if (new Set(prices.map((price) => price.currency)).size > 1) {
    throw invalidRequest("All prices on a Checkout Session must have the same currency.", { param: "line_items" });
  }
  const customer = p.str("customer");
  const customerEmail = p.str("customer_email");
  if (customer && customerEmail) {
    throw invalidRequest("You may only specify one of these parameters: customer, customer_email.", { param: "customer_email" });
  }
  const tax = readCheckoutTax(ctx, p, customer ? ctx.store.customer(customer) : null);
  const now = ctx.clock.now();
  const expiresAt = p.int("expires_at") ?? now + MAX_LIFETIME;
  if (expiresAt - now > MAX_LIFETIME) {
    throw invalidParam("expires_at", "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.");
  }
  if (expiresAt - now < MIN_LIFETIME) {
    throw invalidParam("expires_at", "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.");
  }
  const session = buildSession(ctx, {
    items,
    customer: customer ?? null,
    customerEmail: customerEmail ?? (customer ? ctx.store.customer(customer).email : null),
    clientReferenceId: p.str("client_reference_id") ?? null,
    metadata: p.mergeMetadata({}),
    successUrl: p.str("success_url") ?? null,
    cancelUrl: p.str("cancel_url") ?? null,
    expiresAt,
    currency: prices[0].currency,
    amount: items.reduce((sum, item, i) => sum + (prices[i].unit_amount ?? 0) * item.quantity, 0),
  });
  if (customer) session.customer_email = null;
  const subscriptionData = p.obj("subscription_data");
  session.allowed_payment_method_types = allowedPaymentMethodTypes(p);
  Object.assign(session, sessionTaxFields(tax));
  ctx.store.sessions.set(session.id, session);
  ctx.store.sessionExtras.set(session.id, { items, subscriptionMetadata: subscriptionData?.mergeMetadata({}) ?? {}, tax });
  return session;
}

/** The stand-in only takes cards: a filter that leaves no card out would leave nothing to pay with. */
function allowedPaymentMethodTypes(p: Params): string[] | null {
  if (!p.has("allowed_payment_method_types")) return null;
  const types = p.strList("allowed_payment_method_types");
  if (!types.includes("card")) {
    throw invalidParam("allowed_payment_method_types", "The Stripe stand-in only supports card payments: allowed_payment_method_types must include card.");
  }
  return types;
}

export type PaymentOutcome =
  { kind: "complete"; redirect: string } | { kind: "authenticate" } | { kind: "declined"; decline: Decline } | { kind: "closed"; status: string | null };

export interface PaymentAttempt {
  card: string;
  email?: string;
  /** Set when the customer finished the 3-D Secure step for this card. */
  authenticated?: boolean;
  /** Billing address and business tax ID, where the session collects them. */
  billing?: BillingDetails;
}

/** What submitting the hosted payment form does. */
export function submitPayment(ctx: SimContext, session: Stripe.Checkout.Session, attempt: PaymentAttempt): PaymentOutcome {
  if (session.status !== "open") return { kind: "closed", status: session.status };
  const extras = ctx.store.sessionExtras.get(session.id)!;
  extras.pendingAuthCard = undefined;
  const email = session.customer_email ?? attempt.email?.trim();
  if (!session.customer && !email) return decline(extras, { code: "email_invalid", message: "Your email is incomplete." });
  const existing = session.customer ? ctx.store.customer(String(session.customer)) : null;
  if (attempt.billing) extras.billing = attempt.billing;
  const problem = billingDetailsProblem(extras.tax, existing, extras.billing ?? {});
  if (problem) return decline(extras, { code: "incomplete_billing_details", message: problem });
  const card = normalizeCardNumber(attempt.card);
  const result = charge(card, { offSession: false, authenticated: attempt.authenticated });
  if (result.outcome === "requires_action") {
    extras.pendingAuthCard = card;
    return { kind: "authenticate" };
  }
  if (result.outcome === "declined") return decline(extras, result.decline);
  extras.lastError = undefined;
  return { kind: "complete", redirect: completeSession(ctx, session, card, email ?? null) };
}

/** The 3-D Secure step: complete pays with the waiting card, fail leaves the session open. */
export function finishAuthentication(ctx: SimContext, session: Stripe.Checkout.Session, passed: boolean): PaymentOutcome {
  const extras = ctx.store.sessionExtras.get(session.id)!;
  const card = extras.pendingAuthCard;
  if (session.status !== "open") return { kind: "closed", status: session.status };
  if (!card || !passed) {
    extras.pendingAuthCard = undefined;
    return decline(extras, AUTHENTICATION_FAILED);
  }
  return submitPayment(ctx, session, { card, authenticated: true });
}

function decline(extras: { lastError?: string }, reason: Decline): PaymentOutcome {
  extras.lastError = reason.message;
  return { kind: "declined", decline: reason };
}

function completeSession(ctx: SimContext, session: Stripe.Checkout.Session, card: string, email: string | null): string {
  const extras = ctx.store.sessionExtras.get(session.id)!;
  const created = !session.customer;
  const customer = session.customer ? ctx.store.customer(String(session.customer)) : createCustomer(ctx, { email });
  // Before the subscription: its first invoice is taxed at the address entered here.
  applyBillingDetails(ctx, session, extras.tax, customer, created, extras.billing ?? {});
  // Checkout saves the card on the customer and makes it the subscription's default payment
  // method; the customer's own invoice default stays as it was (sim/stripe/payment-methods.ts).
  const saved = attachCard(ctx, customer, card);
  const sub = buildSubscription(ctx, {
    customer: customer.id,
    items: extras.items.map((item) => ({ price: ctx.store.price(item.price), quantity: item.quantity })),
    metadata: extras.subscriptionMetadata,
    defaultPaymentMethod: saved.paymentMethodId,
    // Stripe's order: the subscription is created `incomplete`, and paying its first invoice turns
    // it `active` with a customer.subscription.updated (markInvoicePaid → afterInvoicePaid below).
    status: "incomplete",
  });
  // "Settings for automatic tax lookup for this session and resulting payments, invoices, and subscriptions."
  sub.automatic_tax = { ...sub.automatic_tax, enabled: extras.tax.automaticTax, liability: extras.tax.automaticTax ? { type: "self" } : null };
  const now = ctx.clock.now();
  const invoice = buildInvoice(ctx, {
    customer,
    subscription: sub,
    reason: "subscription_create",
    lines: periodLines(ctx, sub, currentPeriod(sub)),
    period: { start: now, end: now },
  });
  sub.latest_invoice = invoice.id;
  ctx.store.subscriptions.set(sub.id, sub);
  ctx.store.invoices.set(invoice.id, invoice);
  ctx.events.emit("customer.subscription.created", sub);
  ctx.events.emit("invoice.created", invoice);
  finalizeInvoice(ctx, invoice);
  invoice.attempted = true;
  invoice.attempt_count = 1;
  markInvoicePaid(ctx, invoice);

  Object.assign(session, {
    status: "complete",
    payment_status: "paid",
    customer: customer.id,
    subscription: sub.id,
    invoice: invoice.id,
    url: null,
  } satisfies Partial<Stripe.Checkout.Session>);
  ctx.events.emit("checkout.session.completed", session);
  return successRedirect(ctx, session);
}

export function successRedirect(ctx: SimContext, session: Stripe.Checkout.Session): string {
  if (!session.success_url) return `${ctx.options.publicBaseUrl}/checkout/${session.id}`;
  return session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", session.id);
}

export function expireSession(ctx: SimContext, session: Stripe.Checkout.Session) {
  if (session.status !== "open") {
    throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired.`);
  }
  session.status = "expired";
  session.url = null;
  ctx.events.emit("checkout.session.expired", session);
}
