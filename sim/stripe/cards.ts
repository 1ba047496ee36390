// Stripe's test card numbers and what a charge on them does. On-session (the customer is on the
// checkout page) a 3-D Secure card asks for authentication; off-session (renewals, retries) a card
// set up with authentication goes through, except the "always authenticate" card.
import type { Decline } from "./errors";

export type ChargeResult = { outcome: "succeeded" } | { outcome: "declined"; decline: Decline } | { outcome: "requires_action"; decline: Decline };

interface TestCard {
  brand: string;
  decline?: Decline;
  authenticate?: "on_session" | "always";
}

const generic: Decline = { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." };

export const TEST_CARDS: Record<string, TestCard> = {
  "4242424242424242": { brand: "visa" },
  "5555555555554444": { brand: "mastercard" },
  "4000000000000002": { brand: "visa", decline: generic },
  "4000000000000341": { brand: "visa", decline: generic },
  "4000000000009995": {
    brand: "visa",
    decline: { code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
  },
  "4000000000000069": { brand: "visa", decline: { code: "expired_card", decline_code: "expired_card", message: "Your card has expired." } },
  // Hard declines (Stripe's test cards for lost and stolen cards): Smart Retries never retries these.
  "4000000000009987": { brand: "visa", decline: { code: "card_declined", decline_code: "lost_card", message: "Your card was declined." } },
  "4000000000009979": { brand: "visa", decline: { code: "card_declined", decline_code: "stolen_card", message: "Your card was declined." } },
  "4000002500003155": { brand: "visa", authenticate: "on_session" },
  "4000002760003184": { brand: "visa", authenticate: "always" },
};

export const DECLINE_CARD = "4000000000000002";

export const AUTHENTICATION_FAILED: Decline = {
  code: "payment_intent_authentication_failure",
  message: "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
};

const AUTHENTICATION_REQUIRED: Decline = {
  code: "authentication_required",
  decline_code: "authentication_required",
  message: "Your card was declined. This transaction requires authentication.",
};

export function normalizeCardNumber(input: string): string {
  return input.replace(/[\s-]/g, "");
}

export function describeCard(number: string): { brand: string; last4: string } {
  const brand = TEST_CARDS[number]?.brand ?? (number.startsWith("5") ? "mastercard" : number.startsWith("3") ? "amex" : "visa");
  return { brand, last4: number.slice(-4) };
}

/** Checks the number itself, as Stripe Elements does before any charge. */
export function validateCardNumber(number: string): Decline | null {
  if (!/^\d{12,19}$/.test(number) || !luhn(number)) {
    return { code: "incorrect_number", message: "Your card number is incorrect." };
  }
  return null;
}

export function charge(number: string, { offSession, authenticated = false }: { offSession: boolean; authenticated?: boolean }): ChargeResult {
  const invalid = validateCardNumber(number);
  if (invalid) return { outcome: "declined", decline: invalid };
  const card = TEST_CARDS[number];
  if (card?.decline) return { outcome: "declined", decline: card.decline };
  const needsAuth = card?.authenticate === "always" || (card?.authenticate === "on_session" && !offSession);
  if (needsAuth && !authenticated) return { outcome: "requires_action", decline: AUTHENTICATION_REQUIRED };
  return { outcome: "succeeded" };
}

function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * Decline codes Stripe never retries (docs.stripe.com/billing/revenue-recovery/smart-retries,
 * "non-retryable decline codes"): the invoice keeps `next_payment_attempt: null` after them.
 */
export const NON_RETRYABLE_DECLINES: ReadonlySet<string> = new Set([
  "incorrect_number",
  "lost_card",
  "pickup_card",
  "stolen_card",
  "revocation_of_all_authorizations",
  "revocation_of_authorization",
  "security_violation",
  "service_not_allowed",
  "stop_payment_order",
  "transaction_not_allowed",
]);

export const isHardDecline = (decline: Decline) => NON_RETRYABLE_DECLINES.has(decline.decline_code ?? decline.code);
