// Dunning as the account's settings make it (Stripe Dashboard › Billing › Revenue recovery ›
// Retries, "Manage failed payments"). Decisions only: billing.ts carries them out.
// - Smart Retries never retry a hard decline or an invoice with no payment method to charge
//   (docs.stripe.com/billing/revenue-recovery/smart-retries: "Stripe doesn't retry payments if no
//   payment methods are available / the issuer returned a hard decline code"); the failed attempt
//   still emits `invoice.payment_failed` ("due to either a declined payment … or to the lack of a
//   stored payment method"), with `next_payment_attempt: null`.
// - After the last retry the subscription is canceled (`cancellation_details.reason:
//   payment_failed`), marked unpaid, or left past_due; the invoice is left past-due (open) or marked
//   uncollectible (`status_details.uncollectible.reason: max_payment_attempts`, API 2026-09-30.endive).
//   An uncollectible invoice can still be paid.
// - The subscription setting is not applied when the subscription's latest invoice is paid (support
//   article "Retry schedules longer than a subscription's billing period": "it is specifically the
//   latest invoice whose paid status matters").
import type Stripe from "stripe";
import { isHardDecline } from "./cards";
import type { Decline } from "./errors";
import type { DunningSettings, SimContext } from "./types";

const DAY = 86_400;

export const DEFAULT_DUNNING: DunningSettings = { subscription: "unpaid", invoice: "past_due" };

const SUBSCRIPTION_OUTCOMES = ["cancel", "unpaid", "past_due"] as const;
const INVOICE_OUTCOMES = ["past_due", "uncollectible"] as const;

/** Why an automatic attempt failed: a decline, or nothing to charge. */
export type FailedAttempt = { decline: Decline; noPaymentMethod: boolean };

/** When the next smart retry runs, or null when Stripe does not retry this failure. */
export function nextRetryAt(ctx: SimContext, invoice: Stripe.Invoice, failure: FailedAttempt): number | null {
  if (failure.noPaymentMethod || isHardDecline(failure.decline)) return null;
  const days = ctx.options.retryScheduleDays[invoice.attempt_count - 1];
  return days === undefined ? null : ctx.clock.now() + days * DAY;
}

export type FinalOutcome = {
  /** The status the subscription takes, or null to leave it as it is. */
  subscription: "canceled" | "unpaid" | "past_due" | null;
  markUncollectible: boolean;
};

/** What the last failed attempt of `invoice` does under the account's settings. */
export function finalOutcome(ctx: SimContext, sub: Stripe.Subscription, invoice: Stripe.Invoice): FinalOutcome {
  const { dunning } = ctx.options;
  const latest = typeof sub.latest_invoice === "string" ? ctx.store.invoices.get(sub.latest_invoice) : sub.latest_invoice;
  const latestPaid = latest !== null && latest !== undefined && latest.id !== invoice.id && latest.status === "paid";
  const status = ({ cancel: "canceled", unpaid: "unpaid", past_due: "past_due" } as const)[dunning.subscription];
  return { subscription: latestPaid ? null : status, markUncollectible: dunning.invoice === "uncollectible" };
}

/** Reads `{ subscription, invoice }` (the control's and the environment's shape); a string says what is wrong. */
export function parseDunningSettings(input: { subscription?: unknown; invoice?: unknown }, current: DunningSettings): DunningSettings | string {
  const subscription = input.subscription ?? current.subscription;
  const invoice = input.invoice ?? current.invoice;
  if (!(SUBSCRIPTION_OUTCOMES as readonly unknown[]).includes(subscription)) return `subscription must be one of ${SUBSCRIPTION_OUTCOMES.join(", ")}`;
  if (!(INVOICE_OUTCOMES as readonly unknown[]).includes(invoice)) return `invoice must be one of ${INVOICE_OUTCOMES.join(", ")}`;
  return { subscription: subscription as DunningSettings["subscription"], invoice: invoice as DunningSettings["invoice"] };
}

/**
 * STRIPE_SIM_DUNNING_SUBSCRIPTION (cancel | unpaid | past_due) and STRIPE_SIM_DUNNING_INVOICE
 * (past_due | uncollectible); the older STRIPE_SIM_AFTER_FINAL_FAILURE (unpaid | canceled) still
 * sets the subscription outcome.
 */
export function dunningSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<DunningSettings> | string {
  const legacy = env.STRIPE_SIM_AFTER_FINAL_FAILURE === "canceled" ? "cancel" : env.STRIPE_SIM_AFTER_FINAL_FAILURE;
  const subscription = env.STRIPE_SIM_DUNNING_SUBSCRIPTION || legacy || undefined;
  const invoice = env.STRIPE_SIM_DUNNING_INVOICE || undefined;
  if (subscription === undefined && invoice === undefined) return {};
  return parseDunningSettings({ subscription, invoice }, DEFAULT_DUNNING);
}
