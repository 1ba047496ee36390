// Disputes as Stripe runs them (docs.stripe.com/disputes; the Dispute object and the
// `charge.dispute.*` events of the pinned API in stripe-node's types):
// - a cardholder's bank opens one on a charge: `charge.dispute.created` with `needs_response` and an
//   `evidence_details.due_by`, then `charge.dispute.funds_withdrawn` (the amount plus the dispute
//   fee leave the balance: one balance transaction); an inquiry (`warning_needs_response`) takes
//   no money yet and its charge can still be refunded (`is_charge_refundable`);
// - the merchant answers with evidence (`POST /v1/disputes/:id`, `submit`: `under_review`,
//   `charge.dispute.updated`) or accepts it (`POST /v1/disputes/:id/close`: `lost`);
// - the bank decides (a control here): `charge.dispute.closed` with `won` (then
//   `charge.dispute.funds_reinstated`: the amount comes back, the fee does not) or `lost`;
// - a charged-back payment cannot also be refunded (error code `charge_disputed`).
import type Stripe from "stripe";
import { invalidRequest, noSuch } from "./errors";
import { chargeOf, paymentOfCharge } from "./objects/charge";
import type { Params } from "./params";
import { markWarningsNotActionable } from "./radar";
import { newId } from "./store";
import type { SimContext } from "./types";

/** Stripe's dispute fee in the US (the stand-in's account): $15, kept even when the dispute is won. */
export const DISPUTE_FEE = 1500;
/** Issuers give 7–21 days to answer; the stand-in gives 7. */
export const EVIDENCE_DAYS = 7;

export const DISPUTE_REASONS = [
  "bank_cannot_process",
  "credit_not_processed",
  "customer_initiated",
  "debit_not_authorized",
  "duplicate",
  "fraudulent",
  "general",
  "incorrect_account_details",
  "insufficient_funds",
  "product_not_received",
  "product_unacceptable",
  "subscription_canceled",
  "unrecognized",
] as const;

const OPEN: ReadonlySet<string> = new Set(["needs_response", "under_review", "warning_needs_response", "warning_under_review"]);
const EVIDENCE_FIELDS = [
  "access_activity_log",
  "billing_address",
  "cancellation_policy_disclosure",
  "cancellation_rebuttal",
  "customer_email_address",
  "customer_name",
  "customer_purchase_ip",
  "product_description",
  "refund_policy_disclosure",
  "refund_refusal_explanation",
  "service_date",
  "uncategorized_text",
] as const;
export const ACCEPTED_EVIDENCE = Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, true as const]));

export const isOpenDispute = (dispute: Stripe.Dispute) => OPEN.has(dispute.status);

export interface OpenDisputeOptions {
  reason?: string;
  /** Defaults to what is left of the charge after refunds. */
  amount?: number;
  /** An inquiry (`warning_needs_response`): no money moves yet. */
  inquiry?: boolean;
}

/** What a cardholder's bank does: opens a dispute on a succeeded charge. */
export function openDispute(ctx: SimContext, chargeId: string, opts: OpenDisputeOptions = {}): Stripe.Dispute {
  const charge = chargeOf(ctx, chargeId);
  const record = paymentOfCharge(ctx, chargeId);
  if ([...ctx.store.disputes.values()].some((d) => d.charge === chargeId)) {
    throw invalidRequest(`Charge ${chargeId} already has a dispute.`, { code: "charge_disputed" });
  }
  const left = record.amount - record.amountRefunded;
  if (left <= 0) throw invalidRequest(`Charge ${chargeId} has been fully refunded: there is nothing left to dispute.`);
  const amount = opts.amount ?? left;
  if (!Number.isInteger(amount) || amount <= 0 || amount > left) throw invalidRequest(`amount must be between 1 and ${left}.`, { param: "amount" });
  const reason = opts.reason ?? "fraudulent";
  if (!(DISPUTE_REASONS as readonly string[]).includes(reason)) throw invalidRequest(`Unknown dispute reason: ${reason}`, { param: "reason" });
  const now = ctx.clock.now();
  const inquiry = opts.inquiry === true;
  const dispute: Stripe.Dispute = {
    id: newId("dp_1"),
    object: "dispute",
    amount,
    balance_transactions: [],
    charge: chargeId,
    created: now,
    currency: record.currency,
    enhanced_eligibility_types: [],
    evidence: emptyEvidence(),
    evidence_details: {
      due_by: now + EVIDENCE_DAYS * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: "not_submitted",
    },
    intended_submission_method: null,
    is_charge_refundable: inquiry,
    livemode: false,
    metadata: {},
    network_reason_code: reason === "fraudulent" ? "10.4" : "13.1",
    payment_intent: record.paymentIntentId,
    payment_method_details: {
      type: "card",
      card: { brand: cardBrand(charge), case_type: inquiry ? "inquiry" : "chargeback", network: cardBrand(charge), network_reason_code: null },
    },
    reason,
    status: inquiry ? "warning_needs_response" : "needs_response",
  };
  ctx.store.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  ctx.events.emit("charge.dispute.created", dispute);
  // A disputed charge's early fraud warnings are no longer actionable (nothing to refund ahead of it).
  markWarningsNotActionable(ctx, chargeId);
  if (!inquiry) {
    dispute.balance_transactions.push(balanceTransaction(ctx, dispute, -amount, DISPUTE_FEE, `Chargeback withdrawal for ${chargeId}`, "dispute"));
    ctx.events.emit("charge.dispute.funds_withdrawn", dispute);
  }
  return dispute;
}

export function disputeOf(ctx: SimContext, id: string, param = "dispute"): Stripe.Dispute {
  const dispute = ctx.store.disputes.get(id);
  if (!dispute) throw noSuch("dispute", id, param);
  return dispute;
}

/** POST /v1/disputes/:id: evidence and metadata; `submit` sends it to the bank (`under_review`). */
export function updateDispute(ctx: SimContext, dispute: Stripe.Dispute, p: Params): Stripe.Dispute {
  if (!isOpenDispute(dispute)) throw invalidRequest(`This dispute is already closed (status: ${dispute.status}).`);
  if (dispute.status === "under_review" || dispute.status === "warning_under_review") {
    throw invalidRequest("This dispute's evidence has been submitted: it can no longer be changed.");
  }
  ctx.events.update("charge.dispute.updated", dispute, () => {
    const evidence = p.obj("evidence");
    if (evidence) {
      for (const field of EVIDENCE_FIELDS) if (evidence.has(field)) dispute.evidence[field] = evidence.nullableStr(field) ?? null;
      dispute.evidence_details.has_evidence = true;
    }
    if (p.has("metadata")) dispute.metadata = p.mergeMetadata(dispute.metadata);
    if (p.bool("submit")) {
      dispute.evidence_details.submission_count += 1;
      dispute.evidence_details.submission_method = "manual";
      dispute.evidence_details.past_due = ctx.clock.now() > (dispute.evidence_details.due_by ?? 0);
      dispute.status = dispute.status === "warning_needs_response" ? "warning_under_review" : "under_review";
    }
  });
  return dispute;
}

/** POST /v1/disputes/:id/close: the merchant accepts it — `lost` (an inquiry: `warning_closed`). Irreversible. */
export function acceptDispute(ctx: SimContext, dispute: Stripe.Dispute): Stripe.Dispute {
  if (dispute.status !== "needs_response" && dispute.status !== "warning_needs_response") {
    throw invalidRequest(`This dispute cannot be closed: its status is ${dispute.status}.`);
  }
  return settleDispute(ctx, dispute, dispute.status === "warning_needs_response" ? "warning_closed" : "lost");
}

export type DisputeOutcome = "won" | "lost" | "warning_closed";

/** What the bank decides (a stand-in control): the dispute closes `won`, `lost` or, for an inquiry, `warning_closed`. */
export function settleDispute(ctx: SimContext, dispute: Stripe.Dispute, outcome: DisputeOutcome): Stripe.Dispute {
  if (!isOpenDispute(dispute)) throw invalidRequest(`This dispute is already closed (status: ${dispute.status}).`);
  const inquiry = dispute.status.startsWith("warning_");
  if (inquiry ? outcome !== "warning_closed" : outcome === "warning_closed") {
    throw invalidRequest(inquiry ? "An inquiry closes as warning_closed." : "A chargeback closes as won or lost.");
  }
  dispute.status = outcome;
  dispute.is_charge_refundable = false;
  ctx.events.emit("charge.dispute.closed", dispute);
  if (outcome === "won" && !inquiry) {
    const chargeId = String(dispute.charge);
    dispute.balance_transactions.push(balanceTransaction(ctx, dispute, dispute.amount, 0, `Chargeback reversal for ${chargeId}`, "dispute_reversal"));
    ctx.events.emit("charge.dispute.funds_reinstated", dispute);
  }
  return dispute;
}

/** Refunds are refused while a chargeback is open or once it was lost (Stripe: `charge_disputed`). */
export function refuseRefundOfDisputedCharge(ctx: SimContext, chargeId: string) {
  const dispute = [...ctx.store.disputes.values()].find((d) => d.charge === chargeId);
  if (!dispute || dispute.is_charge_refundable || dispute.status === "won" || dispute.status === "warning_closed") return;
  throw invalidRequest(`Charge ${chargeId} has been charged back; cannot issue a refund.`, { code: "charge_disputed" });
}

function balanceTransaction(ctx: SimContext, dispute: Stripe.Dispute, amount: number, fee: number, description: string, category: string) {
  const now = ctx.clock.now();
  return {
    id: newId("txn_1"),
    object: "balance_transaction",
    amount,
    available_on: now,
    balance_type: "payments",
    created: now,
    currency: dispute.currency,
    description,
    exchange_rate: null,
    fee,
    fee_details: fee ? [{ amount: fee, application: null, currency: dispute.currency, description: "Dispute fee", type: "stripe_fee" }] : [],
    net: amount - fee,
    reporting_category: category,
    source: dispute.id,
    status: "available",
    type: "adjustment",
  } as Stripe.BalanceTransaction;
}

function cardBrand(charge: Stripe.Charge): string {
  return (charge.payment_method_details?.card?.brand as string | undefined) ?? "visa";
}

function emptyEvidence(): Stripe.Dispute.Evidence {
  const evidence = Object.fromEntries(
    [
      ...EVIDENCE_FIELDS,
      "cancellation_policy",
      "customer_communication",
      "customer_signature",
      "duplicate_charge_documentation",
      "duplicate_charge_explanation",
      "duplicate_charge_id",
      "receipt",
      "refund_policy",
      "service_documentation",
      "shipping_address",
      "shipping_carrier",
      "shipping_date",
      "shipping_documentation",
      "shipping_tracking_number",
      "uncategorized_file",
    ].map((field) => [field, null]),
  );
  return { ...evidence, enhanced_evidence: {} } as unknown as Stripe.Dispute.Evidence;
}
