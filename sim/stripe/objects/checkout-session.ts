import type Stripe from "stripe";
import { list } from "../list";
import { newId } from "../store";
import type { SessionItem, SimContext } from "../types";
import { productName } from "./catalog";

export interface NewSession {
  items: SessionItem[];
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Stripe.Metadata;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: number;
  currency: string;
  amount: number;
}

export function buildSession(ctx: SimContext, input: NewSession): Stripe.Checkout.Session {
  // Real ids are long and start with cs_test_a / cs_test_b; the hosted page lives under the id.
  const id = newId("cs_test_a1", 56);
  return {
    id,
    object: "checkout.session",
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: input.amount,
    amount_total: input.amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: ctx.clock.now(),
    currency: input.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer,
    customer_account: null,
    // In subscription mode Checkout always ends with a customer; this field is for payment mode.
    customer_creation: null,
    customer_details: input.customerEmail
      ? { address: null, business_name: null, email: input.customerEmail, individual_name: null, name: null, phone: null, tax_exempt: "none", tax_ids: [] }
      : null,
    customer_email: input.customerEmail,
    discounts: [],
    expires_at: input.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: input.metadata,
    mode: "subscription",
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: "automatic" } } as Stripe.Checkout.Session.PaymentMethodOptions,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: { allow_redisplay_filters: ["always"], payment_method_remove: null, payment_method_save: null },
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: `${ctx.options.publicBaseUrl}/checkout/${id}`,
    wallet_options: null,
  };
}

/** `line_items` is includable: absent unless expanded, or listed through /line_items. */
export function sessionLineItems(ctx: SimContext, sessionId: string): Stripe.ApiList<Stripe.LineItem> {
  const items = ctx.store.sessionExtras.get(sessionId)?.items ?? [];
  const data = items.map((item, index): Stripe.LineItem => {
    const price = ctx.store.price(item.price);
    const amount = (price.unit_amount ?? 0) * item.quantity;
    return {
      id: `li_${sessionId.slice(-20)}${index}`,
      object: "item",
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: price.currency,
      description: productName(ctx, price),
      metadata: {},
      price,
      quantity: item.quantity,
    };
  });
  return list(data, `/v1/checkout/sessions/${sessionId}/line_items`);
}
