import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import { describeCard } from "../cards";
import { newId } from "../store";
import type { CardRecord, SimContext } from "../types";

export interface CustomerFields {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Stripe.Metadata;
  /** A test clock id: attached at creation only, as at Stripe. */
  testClock?: string | null;
}

export function createCustomer(ctx: SimContext, fields: CustomerFields): Stripe.Customer {
  const customer: Stripe.Customer = {
    id: newId("cus_", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: ctx.clock.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: fields.description ?? null,
    discount: null,
    email: fields.email ?? null,
    // Invoice numbers are "<prefix>-<sequence>", the prefix unique per customer.
    invoice_prefix: randomBytes(4).toString("hex").toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    next_invoice_sequence: 1,
    phone: fields.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: fields.testClock ?? null,
  };
  ctx.store.customers.set(customer.id, customer);
  ctx.events.emit("customer.created", customer);
  return customer;
}

/** Attaches a card as the customer's default payment method; later charges (renewals) use it. */
export function saveCard(ctx: SimContext, customer: Stripe.Customer, number: string, { announce = false } = {}): CardRecord {
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
  const card: CardRecord = { number, brand, last4, paymentMethodId: paymentMethod.id };
  ctx.store.cards.set(customer.id, card);
  // Stripe charges a subscription's own default payment method first; a new card replaces it there
  // too (as the portal's "update payment method" does), so what is shown is what gets charged.
  for (const sub of ctx.store.subscriptions.values()) {
    if (sub.customer === customer.id && sub.status !== "canceled") sub.default_payment_method = paymentMethod.id;
  }
  if (announce) {
    ctx.events.emit("payment_method.attached", paymentMethod);
    ctx.events.update("customer.updated", customer, () => {
      customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: paymentMethod.id };
    });
  } else {
    customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: paymentMethod.id };
  }
  return card;
}
