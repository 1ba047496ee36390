// Disputes (issue 25, Build 1), each step re-reading the dispute from Stripe:
// - opened: the VM it paid for is held at once with words that say a payment was disputed (its own
//   story, not the billing ladder's: no Pay button; the customer's other VMs untouched), and the
//   operator is alerted with the reason, amount, evidence due date and a link to Stripe;
// - closed `won`: the hold is lifted and the VM restored as RESTORE_POWER says;
// - closed `lost`: the subscription is cancelled without a refund (the money is already gone), so the
//   billing ladder takes the VM through retention and deletion as for any ended subscription; the
//   hold stays, so the VM stays stopped meanwhile.
// Replays find the hold placed (unique per dispute) or lifted, and Stripe's idempotency keys hold.
import { raiseOperatorAlert, resolveOperatorIncident } from "@/lib/alerts/raise-operator-alert";
import { isoDay } from "@/lib/format/date";
import { recordAudit } from "@/lib/audit/record-audit";
import { stripeDashboardUrl } from "@/lib/admin/customer-view";
import { stripe } from "@/lib/billing/stripe";
import { idOf } from "@/lib/billing/sync-subscription";
import { db } from "@/lib/db";
import { formatMoney } from "@/lib/format/money";
import { findWhatPaymentPaidFor } from "@/lib/payment-risk/resolve-payment";
import { liftHold, placeHold } from "@/lib/vm-holds/place-hold";

const OPEN = new Set(["needs_response", "under_review", "warning_needs_response", "warning_under_review"]);
const day = (unix: number | null | undefined) => isoDay(unix ? new Date(unix * 1000) : null, "unknown");

export type DisputeOutcome =
  { action: "held"; holdId: string; vmId: string } | { action: "restored" | "canceled"; holdId: string | null } | { action: "ignored"; why: string };

export async function applyDisputeOpened(disputeId: string): Promise<DisputeOutcome> {
  const dispute = await stripe().disputes.retrieve(disputeId);
  if (!OPEN.has(dispute.status)) return { action: "ignored", why: `dispute is ${dispute.status}` };
  const paidFor = await findWhatPaymentPaidFor(dispute.payment_intent ? idOf(dispute.payment_intent) : null);
  if (!paidFor) return { action: "ignored", why: "not a payment for one of our subscriptions" };
  const amount = formatMoney(dispute.amount, dispute.currency);
  await raiseOperatorAlert({
    kind: "payment_dispute",
    subject: dispute.id,
    title: `Payment disputed (${dispute.reason}, ${amount}): evidence due ${day(dispute.evidence_details?.due_by)}`,
    detail: [
      `Reason: ${dispute.reason}`,
      `Amount: ${amount}`,
      `Evidence due by: ${day(dispute.evidence_details?.due_by)}`,
      `Stripe: ${stripeDashboardUrl("disputes", dispute.id)}`,
      `Order: ${paidFor.orderId}`,
    ].join("\n"),
    link: `/admin/orders/${paidFor.orderId}`,
  });
  if (!paidFor.vmId) return { action: "ignored", why: "no VM for this order" };
  const { holdId } = await placeHold({
    vmId: paidFor.vmId,
    kind: "dispute",
    reason: dispute.reason,
    stripeObjectId: dispute.id,
    actor: { type: "stripe", id: dispute.id },
  });
  return { action: "held", holdId, vmId: paidFor.vmId };
}

export async function applyDisputeClosed(disputeId: string): Promise<DisputeOutcome> {
  const dispute = await stripe().disputes.retrieve(disputeId);
  const hold = await db.vmHold.findUnique({ where: { stripeObjectId: dispute.id }, select: { id: true, vmId: true } });
  if (dispute.status === "won" || dispute.status === "warning_closed") {
    if (hold) await liftHold({ holdId: hold.id, actor: { type: "stripe", id: dispute.id }, kind: "dispute" });
    await resolveOperatorIncident("payment_dispute", dispute.id);
    return { action: "restored", holdId: hold?.id ?? null };
  }
  if (dispute.status !== "lost") return { action: "ignored", why: `dispute is ${dispute.status}` };
  const paidFor = await findWhatPaymentPaidFor(dispute.payment_intent ? idOf(dispute.payment_intent) : null);
  if (!paidFor) return { action: "ignored", why: "not a payment for one of our subscriptions" };
  const live = await stripe().subscriptions.retrieve(paidFor.stripeSubscriptionId);
  if (live.status !== "canceled" && live.status !== "incomplete_expired") {
    // No refund: the bank already took the money back (Stripe refuses one: `charge_disputed`).
    await stripe().subscriptions.cancel(live.id, {}, { idempotencyKey: `dispute-lost-cancel-${dispute.id}` });
    await recordAudit(
      { type: "stripe", id: dispute.id },
      "billing.subscription_canceled_dispute_lost",
      { type: "order", id: paidFor.orderId },
      { disputeId: dispute.id, stripeSubscriptionId: live.id, amount: dispute.amount, currency: dispute.currency },
    );
  }
  await resolveOperatorIncident("payment_dispute", dispute.id);
  return { action: "canceled", holdId: hold?.id ?? null };
}
