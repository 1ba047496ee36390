// Contract: disputes, early fraud warnings and refunds of a paid invoice's charge, through the
// real stripe client and signed webhooks, in the pinned API's shapes.
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { type Rig, startRig, subscribe, waitFor } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

async function paidCharge() {
  const subscribed = await subscribe(rig);
  const [payment] = (await rig.stripe.invoicePayments.list({ invoice: String(subscribed.session.invoice) })).data;
  const paymentIntent = String(payment.payment.payment_intent);
  const [charge] = (await rig.stripe.charges.list({ payment_intent: paymentIntent })).data;
  return { ...subscribed, invoice: String(subscribed.session.invoice), paymentIntent, charge };
}

async function control(path: string, body: object) {
  const response = await fetch(`${rig.sim.url}/_sim/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const received = (type: string) => rig.receiver.received.filter((r) => r.event.type === type).map((r) => r.event);

describe("charges", () => {
  it("a paid invoice's charge is retrievable and found from its PaymentIntent (how a dispute leads back to the invoice)", async () => {
    rig = await startRig();
    const { charge, paymentIntent, invoice, customer } = await paidCharge();
    expect(charge).toMatchObject({
      object: "charge",
      amount: 1500,
      status: "succeeded",
      paid: true,
      disputed: false,
      refunded: false,
      customer,
      payment_intent: paymentIntent,
    });
    expect(await rig.stripe.charges.retrieve(charge.id)).toEqual(charge);
    const payments = await rig.stripe.invoicePayments.list({ invoice });
    expect(payments.data[0].payment).toEqual({ type: "payment_intent", payment_intent: paymentIntent });
    // And back: the invoice payment of a PaymentIntent names its invoice.
    const byIntent = await rig.stripe.invoicePayments.list({ payment: { type: "payment_intent", payment_intent: paymentIntent } });
    expect(byIntent.data.map((p) => p.invoice)).toEqual([invoice]);
    expect((await rig.stripe.invoicePayments.list({ payment: { type: "payment_intent", payment_intent: "pi_other" } })).data).toEqual([]);
  });
});

describe("disputes", () => {
  it("the bank opens one on a paid invoice's charge: created then funds_withdrawn, with reason, amount and evidence due date", async () => {
    rig = await startRig();
    const { charge, invoice, paymentIntent } = await paidCharge();
    const opened = await control(`invoices/${invoice}/dispute`, { reason: "fraudulent" });
    expect(opened.status).toBe(200);
    const dispute = await rig.stripe.disputes.retrieve(opened.body.id);
    expect(dispute).toMatchObject({
      object: "dispute",
      charge: charge.id,
      payment_intent: paymentIntent,
      amount: 1500,
      currency: "usd",
      reason: "fraudulent",
      status: "needs_response",
      is_charge_refundable: false,
      evidence_details: { has_evidence: false, submission_count: 0, past_due: false },
    });
    expect(dispute.evidence_details.due_by).toBe(dispute.created + 7 * 86_400);
    expect(dispute.balance_transactions).toMatchObject([{ amount: -1500, fee: 1500, net: -3000, type: "adjustment" }]);
    expect((await rig.stripe.charges.retrieve(charge.id)).disputed).toBe(true);
    await waitFor(() => received("charge.dispute.funds_withdrawn").length === 1);
    const types = rig.receiver.types().filter((t) => t.startsWith("charge.dispute"));
    expect(types).toEqual(["charge.dispute.created", "charge.dispute.funds_withdrawn"]);
    expect((await rig.stripe.disputes.list({ charge: charge.id })).data.map((d) => d.id)).toEqual([dispute.id]);
    // One dispute per charge, as at Stripe.
    expect((await control(`charges/${charge.id}/dispute`, {})).body.error.code).toBe("charge_disputed");
  });

  it("evidence submitted puts it under review; the bank's decision closes it won (funds reinstated) or lost", async () => {
    rig = await startRig();
    const { charge } = await paidCharge();
    const dispute = rig.sim.disputeCharge(charge.id);
    const updated = await rig.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: "Server logs attached." }, submit: true });
    expect(updated).toMatchObject({
      status: "under_review",
      evidence: { uncategorized_text: "Server logs attached." },
      evidence_details: { submission_count: 1, has_evidence: true },
    });
    await expect(rig.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: "more" } })).rejects.toThrow(/submitted/);
    // Only a dispute still waiting for an answer can be accepted.
    await expect(rig.stripe.disputes.close(dispute.id)).rejects.toThrow(/under_review/);

    const won = await control(`disputes/${dispute.id}/close`, { status: "won" });
    expect(won.body).toMatchObject({ status: "won", balance_transactions: [{ amount: -1500 }, { amount: 1500, fee: 0 }] });
    await waitFor(() => received("charge.dispute.funds_reinstated").length === 1);
    const closed = received("charge.dispute.closed");
    expect(closed).toHaveLength(1);
    expect((closed[0].data.object as Stripe.Dispute).status).toBe("won");
    expect((await control(`disputes/${dispute.id}/close`, { status: "lost" })).body.error.message).toMatch(/already closed/);
  });

  it("accepting a dispute loses it; a lost chargeback's charge cannot be refunded as well (charge_disputed)", async () => {
    rig = await startRig();
    const { charge, paymentIntent } = await paidCharge();
    const dispute = rig.sim.disputeCharge(charge.id, { reason: "product_not_received" });
    await expect(rig.stripe.refunds.create({ payment_intent: paymentIntent })).rejects.toMatchObject({ code: "charge_disputed" });
    expect((await rig.stripe.disputes.close(dispute.id)).status).toBe("lost");
    await waitFor(() => received("charge.dispute.closed").length === 1);
    expect(received("charge.dispute.funds_reinstated")).toHaveLength(0);
    await expect(rig.stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({ code: "charge_disputed" });
  });

  it("an inquiry takes no money, leaves the charge refundable and closes as warning_closed", async () => {
    rig = await startRig();
    const { charge } = await paidCharge();
    const inquiry = rig.sim.disputeCharge(charge.id, { inquiry: true });
    expect(inquiry).toMatchObject({ status: "warning_needs_response", is_charge_refundable: true, balance_transactions: [] });
    expect(() => rig.sim.closeDispute(inquiry.id, "won")).toThrow(/inquiry/);
    expect(rig.sim.closeDispute(inquiry.id, "warning_closed").status).toBe("warning_closed");
  });

  it("refuses unknown evidence fields as Stripe refuses unknown parameters", async () => {
    rig = await startRig();
    const { charge } = await paidCharge();
    const dispute = rig.sim.disputeCharge(charge.id);
    await expect(rig.stripe.disputes.update(dispute.id, { evidence: { shipping_tracking_number: "x" } })).rejects.toMatchObject({ code: "parameter_unknown" });
  });
});

describe("early fraud warnings", () => {
  it("an issuer's report names the charge and PaymentIntent; a full refund makes it not actionable (updated)", async () => {
    rig = await startRig();
    const { charge, invoice, paymentIntent } = await paidCharge();
    const reported = await control(`invoices/${invoice}/early_fraud_warning`, { fraud_type: "made_with_stolen_card" });
    const warning = await rig.stripe.radar.earlyFraudWarnings.retrieve(reported.body.id);
    expect(warning).toMatchObject({
      object: "radar.early_fraud_warning",
      actionable: true,
      charge: charge.id,
      payment_intent: paymentIntent,
      fraud_type: "made_with_stolen_card",
    });
    expect((await rig.stripe.radar.earlyFraudWarnings.list({ charge: charge.id })).data).toHaveLength(1);

    const refund = await rig.stripe.refunds.create({ charge: charge.id, reason: "fraudulent" }, { idempotencyKey: "efw-refund-1" });
    // The same key again is the same refund, not a second one (a double click moves money once).
    const again = await rig.stripe.refunds.create({ charge: charge.id, reason: "fraudulent" }, { idempotencyKey: "efw-refund-1" });
    expect(again.id).toBe(refund.id);
    expect((await rig.stripe.refunds.list({ charge: charge.id })).data).toHaveLength(1);
    await expect(rig.stripe.refunds.create({ charge: charge.id }, { idempotencyKey: "efw-refund-2" })).rejects.toMatchObject({
      code: "charge_already_refunded",
    });

    expect(await rig.stripe.charges.retrieve(charge.id)).toMatchObject({ refunded: true, amount_refunded: 1500 });
    expect((await rig.stripe.radar.earlyFraudWarnings.retrieve(warning.id)).actionable).toBe(false);
    await waitFor(() => received("radar.early_fraud_warning.updated").length === 1);
    const update = received("radar.early_fraud_warning.updated")[0];
    expect(update.data.previous_attributes).toEqual({ actionable: true });
    expect(received("charge.refunded")).toHaveLength(1);
    // Nothing is left to dispute once everything was refunded.
    expect((await control(`charges/${charge.id}/dispute`, {})).status).toBe(400);
  });

  it("a dispute after the warning makes it not actionable", async () => {
    rig = await startRig();
    const { charge } = await paidCharge();
    const warning = rig.sim.reportFraud(charge.id, "unauthorized_use_of_card");
    rig.sim.disputeCharge(charge.id);
    expect((await rig.stripe.radar.earlyFraudWarnings.retrieve(warning.id)).actionable).toBe(false);
    expect((await control(`charges/${charge.id}/early_fraud_warning`, { fraud_type: "nonsense" })).body.error.param).toBe("fraud_type");
  });
});
