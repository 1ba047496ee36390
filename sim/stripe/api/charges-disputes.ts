// /v1/charges (retrieve, list), /v1/disputes (retrieve, list, update, close), /v1/radar/early_fraud_warnings (retrieve, list)
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { acceptDispute, ACCEPTED_EVIDENCE, disputeOf, updateDispute } from "../disputes";
import { createdMatches, paginate } from "../list";
import { chargeOf } from "../objects/charge";
import { earlyFraudWarningOf } from "../radar";
import { route } from "./router";

export const chargeDisputeRoutes = [
  route("GET", "/v1/charges/:id", accepts<Stripe.ChargeRetrieveParams>({}), ({ ctx }, id) => chargeOf(ctx, id, "id")),
  route("GET", "/v1/charges", accepts<Stripe.ChargeListParams>({ ...PAGE, customer: true, payment_intent: true, created: true }), ({ ctx, params: p }) => {
    const customer = p.str("customer");
    const paymentIntent = p.str("payment_intent");
    const charges = [...ctx.store.charges.values()].filter(
      (c) =>
        (customer === undefined || c.customer === customer) &&
        (paymentIntent === undefined || c.payment_intent === paymentIntent) &&
        createdMatches(p, c.created),
    );
    return paginate(charges, p, "/v1/charges");
  }),

  route("GET", "/v1/disputes/:id", accepts<Stripe.DisputeRetrieveParams>({}), ({ ctx }, id) => disputeOf(ctx, id, "id")),
  route("GET", "/v1/disputes", accepts<Stripe.DisputeListParams>({ ...PAGE, charge: true, payment_intent: true, created: true }), ({ ctx, params: p }) => {
    const charge = p.str("charge");
    const paymentIntent = p.str("payment_intent");
    const disputes = [...ctx.store.disputes.values()].filter(
      (d) =>
        (charge === undefined || d.charge === charge) && (paymentIntent === undefined || d.payment_intent === paymentIntent) && createdMatches(p, d.created),
    );
    return paginate(disputes, p, "/v1/disputes");
  }),
  route("POST", "/v1/disputes/:id", accepts<Stripe.DisputeUpdateParams>({ evidence: ACCEPTED_EVIDENCE, metadata: true, submit: true }), ({ ctx, params }, id) =>
    updateDispute(ctx, disputeOf(ctx, id, "id"), params),
  ),
  route("POST", "/v1/disputes/:id/close", accepts<Stripe.DisputeCloseParams>({}), ({ ctx }, id) => acceptDispute(ctx, disputeOf(ctx, id, "id"))),

  route("GET", "/v1/radar/early_fraud_warnings/:id", accepts<Stripe.Radar.EarlyFraudWarningRetrieveParams>({}), ({ ctx }, id) => earlyFraudWarningOf(ctx, id)),
  route(
    "GET",
    "/v1/radar/early_fraud_warnings",
    accepts<Stripe.Radar.EarlyFraudWarningListParams>({ ...PAGE, charge: true, payment_intent: true, created: true }),
    ({ ctx, params: p }) => {
      const charge = p.str("charge");
      const paymentIntent = p.str("payment_intent");
      const warnings = [...ctx.store.earlyFraudWarnings.values()].filter(
        (w) =>
          (charge === undefined || w.charge === charge) && (paymentIntent === undefined || w.payment_intent === paymentIntent) && createdMatches(p, w.created),
      );
      return paginate(warnings, p, "/v1/radar/early_fraud_warnings");
    },
  ),
];
