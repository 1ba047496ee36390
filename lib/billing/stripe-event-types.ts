// The Stripe event types this product acts on (DESIGN §3). The webhook forwards exactly these to
// Inngest as `stripe/<type>`; everything else Stripe may send is acknowledged and ignored, so a
// new event type enabled on the dashboard can never start work by accident.

/**
 * Checkout outcomes: money confirmed for an order, or the session ended unpaid. Checkout is
 * card-only, so `async_payment_failed` cannot happen; it is left out rather than forwarded to no
 * listener (a forwarded event nobody handles would sit as "received" forever).
 */
export const checkoutEventTypes = ["checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired"] as const;

/** Invoice signals: each points at a subscription whose mirror is re-read from Stripe. */
export const invoiceEventTypes = [
  "invoice.paid",
  "invoice.payment_succeeded",
  "invoice.payment_failed",
  "invoice.payment_action_required",
  // Enforcement signals too (issue 11): a voided or uncollectible renewal invoice is no longer open.
  "invoice.voided",
  "invoice.marked_uncollectible",
] as const;

/** Subscription lifecycle signals, including the pending-update pair behind paid resizes. */
export const subscriptionEventTypes = [
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.pending_update_applied",
  "customer.subscription.pending_update_expired",
] as const;

/**
 * Card signals (issue 17): the portal's card update sets the customer's invoice default
 * (`customer.updated`) through a SetupIntent (`setup_intent.succeeded`); the product then puts
 * that card on the customer's subscriptions and pays what they owe (lib/billing/apply-card-update.ts).
 */
export const cardEventTypes = ["customer.updated", "setup_intent.succeeded"] as const;

/**
 * A test clock finished advancing (a billing rehearsal in Stripe test mode, issue 16): the accounts
 * on it have a new "now", and the ladder is run on it. Production has no test clocks.
 */
export const testClockEventTypes = ["test_helpers.test_clock.ready"] as const;

export const handledStripeEventTypes = [
  ...checkoutEventTypes,
  ...invoiceEventTypes,
  ...subscriptionEventTypes,
  ...cardEventTypes,
  ...testClockEventTypes,
] as const;

export type HandledStripeEventType = (typeof handledStripeEventTypes)[number];

const handled: ReadonlySet<string> = new Set(handledStripeEventTypes);

export function isHandledStripeEventType(type: string): type is HandledStripeEventType {
  return handled.has(type);
}

export function isInvoiceEventType(type: string): type is (typeof invoiceEventTypes)[number] {
  return (invoiceEventTypes as readonly string[]).includes(type);
}

export function isCardEventType(type: string): type is (typeof cardEventTypes)[number] {
  return (cardEventTypes as readonly string[]).includes(type);
}
