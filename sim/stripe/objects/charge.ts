// The Charge behind a paid invoice's PaymentIntent, kept as Stripe shows it (GET /v1/charges/:id)
// and moved by what happens to the money afterwards: refunds (`amount_refunded`, `refunded`) and
// disputes (`disputed`). Disputes and early fraud warnings name the charge, so it is stored.
import type Stripe from "stripe";
import { noSuch } from "../errors";
import { newId } from "../store";
import type { CardRecord, PaymentRecord, SimContext } from "../types";

export function buildCharge(ctx: SimContext, record: PaymentRecord, card: CardRecord | null): Stripe.Charge {
  const created = ctx.clock.now();
  const charge = {
    id: record.chargeId,
    object: "charge",
    amount: record.amount,
    amount_captured: record.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: newId("txn_3"),
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: "LAB VPS",
    captured: true,
    created,
    currency: record.currency,
    customer: record.customerId,
    description: "Subscription payment",
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: "approved_by_network",
      reason: null,
      risk_level: "normal",
      risk_score: 20,
      seller_message: "Payment complete.",
      type: "authorized",
    },
    paid: true,
    payment_intent: record.paymentIntentId,
    payment_method: card?.paymentMethodId ?? null,
    payment_method_details: card
      ? ({ type: "card", card: { brand: card.brand, last4: card.last4, country: "US", funding: "credit" } } as unknown as Stripe.Charge.PaymentMethodDetails)
      : null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: null,
  } satisfies Stripe.Charge;
  ctx.store.charges.set(charge.id, charge);
  return charge;
}

export function chargeOf(ctx: SimContext, chargeId: string, param = "charge"): Stripe.Charge {
  const charge = ctx.store.charges.get(chargeId);
  if (!charge) throw noSuch("charge", chargeId, param);
  return charge;
}

/** The payment record behind a charge (what refunds and disputes move). */
export function paymentOfCharge(ctx: SimContext, chargeId: string, param = "charge"): PaymentRecord {
  const record = [...ctx.store.payments.values()].find((r) => r.chargeId === chargeId);
  if (!record) throw noSuch("charge", chargeId, param);
  return record;
}

/** The charge that paid an invoice (its latest successful payment). */
export function chargeOfInvoice(ctx: SimContext, invoiceId: string): Stripe.Charge | undefined {
  const record = [...ctx.store.payments.values()].filter((r) => r.invoiceId === invoiceId).at(-1);
  return record ? ctx.store.charges.get(record.chargeId) : undefined;
}
