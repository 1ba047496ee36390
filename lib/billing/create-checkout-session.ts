// The Stripe Checkout Session for one order (subscription mode). The order id travels in every
// place Stripe echoes back — client_reference_id, session metadata, subscription metadata — so the
// webhook handlers can find the order from any object they re-read (DESIGN §3).
import { env } from "@/lib/env";
import { stripe, type Stripe } from "@/lib/billing/stripe";

// Stripe refuses an `expires_at` less than 30 minutes after it creates the session, measured on its
// clock: one extra minute keeps a little clock skew from failing checkouts.
export const CHECKOUT_SESSION_LIFETIME_SECONDS = 31 * 60;
// An open checkout holds its VM's room until it can no longer be paid, plus time for the
// completion webhook to move the order to `paid` (after which it counts as paid).
export const CAPACITY_HOLD_MS = (CHECKOUT_SESSION_LIFETIME_SECONDS + 5 * 60) * 1000;

// STRIPE_AUTOMATIC_TAX: Stripe Tax computes the tax from the billing address Checkout asks for,
// and the subscription and all its invoices keep `automatic_tax` ("settings for automatic tax lookup
// for this session and resulting payments, invoices, and subscriptions"). Our customers already
// exist in Stripe, so Checkout must be allowed to save what it collects: the address
// (`customer_update[address]`, else Stripe refuses automatic tax for a customer without one) and
// the business name that comes with a tax ID (`customer_update[name]`, else Stripe refuses tax ID
// collection) — which also keeps the Stripe customer in sync with what the buyer entered.
export const AUTOMATIC_TAX_PARAMS = {
  automatic_tax: { enabled: true },
  billing_address_collection: "required",
  tax_id_collection: { enabled: true },
  customer_update: { address: "auto", name: "auto" },
} as const satisfies Partial<Stripe.Checkout.SessionCreateParams>;

export type CheckoutRequest = {
  orderId: string;
  priceId: string;
  customerId: string;
  /** Now on the customer's billing clock: Stripe checks `expires_at` against it. */
  now?: Date;
  /** More items than the plan (a restore buys the VM's current size: its plan and its extras). */
  extraItems?: Array<{ price: string; quantity: number }>;
  /** The session this one replaces ("Complete payment" after it expired): a new session needs its own key. */
  replaces?: string;
};

export function createCheckoutSession({
  orderId,
  priceId,
  customerId,
  now = new Date(),
  extraItems = [],
  replaces,
}: CheckoutRequest): Promise<Stripe.Checkout.Session> {
  const orderUrl = `${env().APP_URL.replace(/\/$/, "")}/orders/${orderId}`;
  return stripe().checkout.sessions.create(
    {
      mode: "subscription",
      line_items: [{ price: priceId, quantity: 1 }, ...extraItems],
      customer: customerId,
      // Card only, on purpose: since 2026-10-28.endive there is no `payment_method_types` and the
      // Dashboard decides, so a bank debit could complete the checkout unpaid and fail days later;
      // resizes also rely on pending updates, which bank debits do not support.
      allowed_payment_method_types: ["card"],
      client_reference_id: orderId,
      metadata: { orderId },
      subscription_data: { metadata: { orderId } },
      // The success redirect decides nothing (I1): the order page waits for the webhook.
      success_url: `${orderUrl}?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${orderUrl}?canceled=1`,
      expires_at: Math.floor(now.getTime() / 1000) + CHECKOUT_SESSION_LIFETIME_SECONDS,
      ...(env().STRIPE_AUTOMATIC_TAX ? AUTOMATIC_TAX_PARAMS : {}),
    },
    { idempotencyKey: replaces ? `checkout-${orderId}-after-${replaces}` : `checkout-${orderId}` },
  );
}
