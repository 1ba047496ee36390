// Early fraud warnings (Stripe: docs.stripe.com/disputes/measuring#early-fraud-warnings, and the
// EarlyFraudWarning object of the pinned API): a card issuer reports a succeeded charge as
// fraudulent, usually days before any dispute. `radar.early_fraud_warning.created` names the charge
// and its PaymentIntent with a `fraud_type`; the warning is `actionable` while the charge has no
// dispute and is not fully refunded ("You may wish to proactively refund a charge that receives an
// EFW, in order to avoid receiving a dispute later"), and `radar.early_fraud_warning.updated` says
// when that stops (a full refund, or a dispute after all).
import type Stripe from "stripe";
import { invalidRequest, noSuch } from "./errors";
import { chargeOf, paymentOfCharge } from "./objects/charge";
import { newId } from "./store";
import type { SimContext } from "./types";

export const FRAUD_TYPES = [
  "card_never_received",
  "fraudulent_card_application",
  "made_with_counterfeit_card",
  "made_with_lost_card",
  "made_with_stolen_card",
  "misc",
  "unauthorized_use_of_card",
] as const;

/** What a card issuer does: reports a succeeded charge as fraudulent. */
export function createEarlyFraudWarning(ctx: SimContext, chargeId: string, fraudType = "made_with_stolen_card"): Stripe.Radar.EarlyFraudWarning {
  const charge = chargeOf(ctx, chargeId);
  const record = paymentOfCharge(ctx, chargeId);
  if (!(FRAUD_TYPES as readonly string[]).includes(fraudType)) throw invalidRequest(`Unknown fraud_type: ${fraudType}`, { param: "fraud_type" });
  const warning: Stripe.Radar.EarlyFraudWarning = {
    id: newId("issfr_1"),
    object: "radar.early_fraud_warning",
    actionable: !charge.disputed && record.amountRefunded < record.amount,
    charge: chargeId,
    created: ctx.clock.now(),
    fraud_type: fraudType,
    livemode: false,
    payment_intent: record.paymentIntentId,
  };
  ctx.store.earlyFraudWarnings.set(warning.id, warning);
  ctx.events.emit("radar.early_fraud_warning.created", warning);
  return warning;
}

/** A dispute or a full refund: nothing is left to act on ahead of a dispute. */
export function markWarningsNotActionable(ctx: SimContext, chargeId: string) {
  for (const warning of ctx.store.earlyFraudWarnings.values()) {
    if (warning.charge !== chargeId || !warning.actionable) continue;
    ctx.events.update("radar.early_fraud_warning.updated", warning, () => (warning.actionable = false));
  }
}

export function earlyFraudWarningOf(ctx: SimContext, id: string): Stripe.Radar.EarlyFraudWarning {
  const warning = ctx.store.earlyFraudWarnings.get(id);
  if (!warning) throw noSuch("radar.early_fraud_warning", id, "early_fraud_warning");
  return warning;
}
