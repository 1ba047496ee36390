// Cards behind PaymentMethods, and which one Stripe charges. Stripe's rules kept here:
// - an invoice is charged with the first of invoice.default_payment_method,
//   subscription.default_payment_method, customer.invoice_settings.default_payment_method — the
//   same order Smart Retries use ("Payment method ordering",
//   docs.stripe.com/billing/revenue-recovery/smart-retries): a new customer default does not move
//   a subscription that has its own;
// - Checkout sets the subscription's default_payment_method and attaches the card to the customer,
//   but leaves the customer's invoice_settings.default_payment_method as it was;
// - the portal's payment_method_update sets only the customer's default (a SetupIntent, then
//   `payment_method.attached`, `setup_intent.succeeded`, `customer.updated`).
import type Stripe from "stripe";
import { describeCard, TEST_CARDS } from "./cards";
import { type Decline, invalidRequest, noSuch } from "./errors";
import { customerId } from "./objects/subscription";
import { newId } from "./store";
import type { CardRecord, SimContext } from "./types";

/** Creates a card PaymentMethod attached to `customer` (no default is changed). */
export function attachCard(ctx: SimContext, customer: Stripe.Customer, number: string): CardRecord {
  const { brand, last4 } = describeCard(number);
  const paymentMethod = {
    id: newId("pm_1"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: null, email: customer.email, name: customer.name ?? null, phone: null, tax_id: null },
    card: {
      brand,
      display_brand: brand,
      last4,
      country: "US",
      funding: "credit",
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      fingerprint: number.slice(-8).padStart(16, "0"),
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      generated_from: null,
      networks: { available: [brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    } as unknown as Stripe.PaymentMethod.Card,
    created: ctx.clock.now(),
    customer: customer.id,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
  } as Stripe.PaymentMethod;
  ctx.store.paymentMethods.set(paymentMethod.id, paymentMethod);
  const card: CardRecord = { number, brand, last4, paymentMethodId: paymentMethod.id, customerId: customer.id };
  ctx.store.cards.set(paymentMethod.id, card);
  return card;
}

/** The cards attached to a customer, oldest first. */
export function customerCards(ctx: SimContext, customer: string): CardRecord[] {
  return [...ctx.store.cards.values()].filter((card) => card.customerId === customer);
}

/** The customer's `invoice_settings.default_payment_method`, as a card (null when unset). */
export function customerDefaultCard(ctx: SimContext, customer: Stripe.Customer): CardRecord | null {
  const id = customer.invoice_settings.default_payment_method;
  return id ? (ctx.store.cards.get(typeof id === "string" ? id : id.id) ?? null) : null;
}

type PaymentMethodRef = string | Stripe.PaymentMethod | null | undefined;

function firstCard(ctx: SimContext, candidates: PaymentMethodRef[]): CardRecord | null {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const card = ctx.store.cards.get(typeof candidate === "string" ? candidate : candidate.id);
    if (card) return card;
  }
  return null;
}

/** The card Stripe charges for `invoice`, in Stripe's order; null when none is available. */
export function cardForInvoice(ctx: SimContext, invoice: Stripe.Invoice): CardRecord | null {
  const subscriptionId = invoice.parent?.subscription_details?.subscription;
  const sub = subscriptionId ? ctx.store.subscriptions.get(typeof subscriptionId === "string" ? subscriptionId : subscriptionId.id) : undefined;
  const customer = ctx.store.customer(customerId(invoice));
  return firstCard(ctx, [invoice.default_payment_method, sub?.default_payment_method, customer.invoice_settings.default_payment_method]);
}

/** The card a subscription's next invoice would be charged with. */
export function cardForSubscription(ctx: SimContext, sub: Stripe.Subscription): CardRecord | null {
  const customer = ctx.store.customer(customerId(sub));
  return firstCard(ctx, [sub.default_payment_method, customer.invoice_settings.default_payment_method]);
}

/** A payment method id given to a customer's or subscription's default must be one of that customer's. */
export function requireCustomerPaymentMethod(ctx: SimContext, customer: string, paymentMethodId: string, param: string): CardRecord {
  const card = ctx.store.cards.get(paymentMethodId);
  if (!card) throw noSuch("PaymentMethod", paymentMethodId, param);
  if (card.customerId !== customer) {
    // Stripe's wording for a PaymentMethod that belongs to no (or another) customer.
    throw invalidRequest(`The customer does not have a payment method with the ID ${paymentMethodId}. The payment method must be attached to the customer.`, {
      param,
    });
  }
  return card;
}

/**
 * The test control behind `POST /_sim/customers/:id/card`: from now on every card of this
 * customer is `number` (e.g. one that declines), whichever payment method Stripe picks; no default
 * changes. A customer without a card gets one, made its default.
 */
export function setCustomerCardBehaviour(ctx: SimContext, customer: Stripe.Customer, number: string): CardRecord {
  const cards = customerCards(ctx, customer.id);
  if (!cards.length) {
    const card = attachCard(ctx, customer, number);
    customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: card.paymentMethodId };
    return card;
  }
  const { brand, last4 } = describeCard(number);
  for (const card of cards) {
    Object.assign(card, { number, brand, last4 });
    const paymentMethod = ctx.store.paymentMethods.get(card.paymentMethodId);
    if (paymentMethod?.card) Object.assign(paymentMethod.card, { brand, display_brand: brand, last4 });
  }
  return customerDefaultCard(ctx, customer) ?? cards.at(-1)!;
}

// A SetupIntent confirms a card with the issuer before it is saved: cards that decline do not
// attach, except 4000 0000 0000 0341, which "attaches successfully but fails charges" (Stripe's
// test cards, "Declined payments").
const ATTACHES_THEN_DECLINES = "4000000000000341";

export type CardUpdateOutcome = { ok: true; card: CardRecord; setupIntent: Stripe.SetupIntent } | { ok: false; decline: Decline };

/**
 * What the portal's "update payment method" does: a SetupIntent for the new card, the card
 * attached, and the customer's invoice default set to it. Subscriptions keep their own
 * default_payment_method (Stripe's portal docs: the payment method is set as the customer's
 * `invoice_settings.default_payment_method`).
 */
export function updateCustomerCard(ctx: SimContext, customer: Stripe.Customer, number: string): CardUpdateOutcome {
  const decline = TEST_CARDS[number]?.decline;
  const setupIntent = buildSetupIntent(ctx, customer.id);
  if (decline && number !== ATTACHES_THEN_DECLINES) {
    setupIntent.status = "requires_payment_method";
    setupIntent.last_setup_error = {
      type: "card_error",
      code: decline.code,
      decline_code: decline.decline_code,
      message: decline.message,
    } as Stripe.SetupIntent.LastSetupError;
    ctx.store.setupIntents.set(setupIntent.id, setupIntent);
    ctx.events.emit("setup_intent.setup_failed", setupIntent);
    return { ok: false, decline };
  }
  const card = attachCard(ctx, customer, number);
  Object.assign(setupIntent, { status: "succeeded", payment_method: card.paymentMethodId });
  ctx.store.setupIntents.set(setupIntent.id, setupIntent);
  ctx.events.emit("payment_method.attached", ctx.store.paymentMethods.get(card.paymentMethodId)!);
  ctx.events.emit("setup_intent.succeeded", setupIntent);
  ctx.events.update("customer.updated", customer, () => {
    customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: card.paymentMethodId };
  });
  return { ok: true, card, setupIntent };
}

function buildSetupIntent(ctx: SimContext, customer: string): Stripe.SetupIntent {
  const id = newId("seti_1");
  return {
    id,
    object: "setup_intent",
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${newId("", 25)}`,
    created: ctx.clock.now(),
    customer,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    single_use_mandate: null,
    status: "requires_payment_method",
    usage: "off_session",
  } as Stripe.SetupIntent;
}
