// Early fraud warnings (issue 25, Build 2): a card issuer reported a payment as fraudulent, usually
// before any dispute. The order is flagged for the operator (an alert with a link to the order) with
// one action, "refund, cancel and stop": refund the charge (which avoids the dispute and its fee),
// cancel the subscription now, and hold the VM stopped. FRAUD_WARNING_AUTO_REFUND does it at once.
// Every Stripe call re-reads first and carries an idempotency key derived from the warning, and
// the hold is unique per warning, so a double click, two operators or a replay move money once.
import Stripe from "stripe";
import { UserFacingError } from "@/lib/errors";
import { raiseOperatorAlert, resolveOperatorIncident } from "@/lib/alerts/raise-operator-alert";
import { type AuditActor, recordAudit } from "@/lib/audit/record-audit";
import { stripeDashboardUrl } from "@/lib/admin/customer-view";
import { stripe } from "@/lib/billing/stripe";
import { idOf } from "@/lib/billing/sync-subscription";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { findWhatPaymentPaidFor } from "@/lib/payment-risk/resolve-payment";
import { placeHold } from "@/lib/vm-holds/place-hold";

export const FRAUD_WARNING_ALERT = "early_fraud_warning";

export type FraudWarningOutcome = { action: "flagged" | "refunded"; orderId: string } | { action: "ignored"; why: string };

export async function applyEarlyFraudWarning(warningId: string): Promise<FraudWarningOutcome> {
  const warning = await stripe().radar.earlyFraudWarnings.retrieve(warningId);
  const paidFor = await findWhatPaymentPaidFor(warning.payment_intent ? idOf(warning.payment_intent) : null);
  if (!paidFor) return { action: "ignored", why: "not a payment for one of our subscriptions" };
  await raiseOperatorAlert({
    kind: FRAUD_WARNING_ALERT,
    subject: warning.id,
    title: `Early fraud warning (${warning.fraud_type}) on order ${paidFor.orderId}${warning.actionable ? "" : " (no longer actionable)"}`,
    detail: [`Fraud type: ${warning.fraud_type}`, `Charge: ${idOf(warning.charge)}`, `Stripe: ${stripeDashboardUrl("payments", idOf(warning.charge))}`].join(
      "\n",
    ),
    link: `/admin/orders/${paidFor.orderId}`,
  });
  if (!warning.actionable || !env().FRAUD_WARNING_AUTO_REFUND) return { action: "flagged", orderId: paidFor.orderId };
  await refundCancelAndStop({ warningId, actor: { type: "system" } });
  return { action: "refunded", orderId: paidFor.orderId };
}

export type RefundCancelStop = { refunded: number; currency: string; canceled: boolean; holdId: string | null };

/** The operator's one action (or the automatic setting's). Safe to repeat: money moves once. */
export async function refundCancelAndStop({ warningId, actor }: { warningId: string; actor: AuditActor }): Promise<RefundCancelStop> {
  let warning: Stripe.Radar.EarlyFraudWarning;
  try {
    warning = await stripe().radar.earlyFraudWarnings.retrieve(warningId);
  } catch {
    throw new UserFacingError("Unknown fraud warning.");
  }
  const chargeId = idOf(warning.charge);
  const paidFor = await findWhatPaymentPaidFor(warning.payment_intent ? idOf(warning.payment_intent) : null);
  if (!paidFor) throw new UserFacingError("This warning is not about a payment for one of our orders.");
  const charge = await stripe().charges.retrieve(chargeId);
  let refunded = 0;
  if (charge.disputed) throw new UserFacingError("This payment is disputed already: the bank takes the money back, so it cannot be refunded.");
  if (charge.amount_refunded < charge.amount) {
    try {
      const refund = await stripe().refunds.create(
        { charge: chargeId, reason: "fraudulent", metadata: { earlyFraudWarning: warning.id, orderId: paidFor.orderId } },
        { idempotencyKey: `efw-refund-${warning.id}` },
      );
      refunded = refund.amount;
    } catch (error) {
      if ((error as Stripe.errors.StripeError).code !== "charge_already_refunded") throw error;
    }
  }
  const live = await stripe().subscriptions.retrieve(paidFor.stripeSubscriptionId);
  const canceled = live.status !== "canceled" && live.status !== "incomplete_expired";
  if (canceled) await stripe().subscriptions.cancel(live.id, {}, { idempotencyKey: `efw-cancel-${warning.id}` });
  const hold = paidFor.vmId
    ? await placeHold({ vmId: paidFor.vmId, kind: "fraud_warning", reason: warning.fraud_type, stripeObjectId: warning.id, actor })
    : null;
  // Audited once per warning: the first call that refunded or cancelled (a later click finds the row).
  const audited = await db.auditEvent.count({
    where: { action: "billing.fraud_warning_refunded", subjectId: paidFor.orderId, data: { path: ["earlyFraudWarning"], equals: warning.id } },
  });
  if ((refunded > 0 || canceled) && audited === 0) {
    await recordAudit(
      actor,
      "billing.fraud_warning_refunded",
      { type: "order", id: paidFor.orderId },
      {
        earlyFraudWarning: warning.id,
        chargeId,
        refunded,
        currency: charge.currency,
        canceledSubscription: canceled ? live.id : null,
        holdId: hold?.holdId ?? null,
      },
    );
  }
  await resolveOperatorIncident(FRAUD_WARNING_ALERT, warning.id);
  return { refunded, currency: charge.currency, canceled, holdId: hold?.holdId ?? null };
}

/** The warnings flagged on an order, for the operator's page (open incidents carry the action). */
export const fraudWarningsOfOrder = (orderId: string) =>
  db.operatorIncident.findMany({
    where: { kind: { in: [FRAUD_WARNING_ALERT, "payment_dispute"] }, link: `/admin/orders/${orderId}` },
    orderBy: { firstSeenAt: "desc" },
    take: 20,
  });
