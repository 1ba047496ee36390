// Test controls for what banks and card issuers do (not part of Stripe's API): open a dispute on a
// paid invoice's charge, decide it, report a charge as fraudulent. Shared by /_sim and the handle.
import type Stripe from "stripe";
import { type DisputeOutcome, disputeOf, openDispute, type OpenDisputeOptions, settleDispute } from "./disputes";
import { invalidRequest } from "./errors";
import { chargeOfInvoice } from "./objects/charge";
import { createEarlyFraudWarning } from "./radar";
import type { SimContext } from "./types";

type Body = Record<string, unknown>;
export type RiskControl = [method: string, pattern: RegExp, handler: (body: Body, id: string) => unknown];

/** The charge that paid an invoice; 400 when the invoice was never paid with a card. */
export function paidChargeOfInvoice(ctx: SimContext, invoiceId: string): string {
  const invoice = ctx.store.invoice(invoiceId);
  const charge = chargeOfInvoice(ctx, invoice.id);
  if (!charge) throw invalidRequest(`Invoice ${invoiceId} has no successful charge to act on (status ${invoice.status}).`);
  return charge.id;
}

export class RiskControls {
  constructor(private readonly ctx: SimContext) {}

  disputeCharge(chargeId: string, opts: OpenDisputeOptions = {}): Stripe.Dispute {
    return openDispute(this.ctx, chargeId, opts);
  }

  disputeInvoice(invoiceId: string, opts: OpenDisputeOptions = {}): Stripe.Dispute {
    return openDispute(this.ctx, paidChargeOfInvoice(this.ctx, invoiceId), opts);
  }

  closeDispute(disputeId: string, outcome: DisputeOutcome): Stripe.Dispute {
    return settleDispute(this.ctx, disputeOf(this.ctx, disputeId), outcome);
  }

  reportFraud(chargeId: string, fraudType?: string): Stripe.Radar.EarlyFraudWarning {
    return createEarlyFraudWarning(this.ctx, chargeId, fraudType);
  }

  reportInvoiceFraud(invoiceId: string, fraudType?: string): Stripe.Radar.EarlyFraudWarning {
    return createEarlyFraudWarning(this.ctx, paidChargeOfInvoice(this.ctx, invoiceId), fraudType);
  }

  routes(): RiskControl[] {
    const opts = (b: Body): OpenDisputeOptions => ({
      ...(b.reason !== undefined ? { reason: String(b.reason) } : {}),
      ...(b.amount !== undefined ? { amount: Number(b.amount) } : {}),
      ...(b.inquiry !== undefined ? { inquiry: b.inquiry === true || b.inquiry === "true" } : {}),
    });
    const outcome = (b: Body): DisputeOutcome => {
      const status = String(b.status ?? "");
      if (status !== "won" && status !== "lost" && status !== "warning_closed")
        throw invalidRequest(`status must be won, lost or warning_closed`, { param: "status" });
      return status;
    };
    const fraudType = (b: Body) => (b.fraud_type === undefined ? undefined : String(b.fraud_type));
    return [
      ["POST", /^\/_sim\/invoices\/([^/]+)\/dispute$/, (b, id) => this.disputeInvoice(id, opts(b))],
      ["POST", /^\/_sim\/charges\/([^/]+)\/dispute$/, (b, id) => this.disputeCharge(id, opts(b))],
      ["POST", /^\/_sim\/disputes\/([^/]+)\/close$/, (b, id) => this.closeDispute(id, outcome(b))],
      ["POST", /^\/_sim\/invoices\/([^/]+)\/early_fraud_warning$/, (b, id) => this.reportInvoiceFraud(id, fraudType(b))],
      ["POST", /^\/_sim\/charges\/([^/]+)\/early_fraud_warning$/, (b, id) => this.reportFraud(id, fraudType(b))],
    ];
  }
}
