// /v1/invoices, /v1/invoice_payments, /v1/payment_intents (retrieve), /v1/refunds, /v1/payment_methods, /v1/events
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { markPaidOutOfBand, markUncollectible, payInvoiceNow, voidInvoice } from "../billing";
import { invalidRequest, noSuch } from "../errors";
import { createdMatches, paginate } from "../list";
import { createRefund, paymentIntentObject } from "../objects/payment";
import { customerId, subscriptionIdOf } from "../objects/subscription";
import { requireCustomerPaymentMethod } from "../payment-methods";
import { clone } from "../store";
import { previewInvoice } from "../subscription-update";
import type { SimContext } from "../types";
import { route } from "./router";

function found<T>(value: T | undefined, kind: string, id: string): T {
  if (!value) throw noSuch(kind, id);
  return value;
}

export const invoicePaymentRoutes = [
  route(
    "POST",
    "/v1/invoices/create_preview",
    accepts<Stripe.InvoiceCreatePreviewParams>({
      customer: true,
      subscription: true,
      automatic_tax: { enabled: true },
      subscription_details: { items: [{ id: true, price: true, quantity: true, deleted: true }], proration_behavior: true, proration_date: true },
    }),
    ({ ctx, params }) => previewInvoice(ctx, params),
  ),
  route("GET", "/v1/invoices/:id", accepts<Stripe.InvoiceRetrieveParams>({}), ({ ctx }, id) => ctx.store.invoice(id, "id")),
  route(
    "POST",
    "/v1/invoices/:id/pay",
    accepts<Stripe.InvoicePayParams>({ paid_out_of_band: true, payment_method: true, off_session: true }),
    ({ ctx, params: p }, id) => {
      const invoice = ctx.store.invoice(id, "id");
      if (p.bool("paid_out_of_band")) {
        if (invoice.status !== "open" && invoice.status !== "draft") throw invalidRequest("Invoice is already paid", { code: "invoice_already_paid" });
        markPaidOutOfBand(ctx, invoice);
        return invoice;
      }
      const paymentMethod = p.str("payment_method");
      // "The PaymentMethod must be the ID of a PaymentMethod belonging to the customer associated with the invoice."
      const card = paymentMethod ? requireCustomerPaymentMethod(ctx, customerId(invoice), paymentMethod, "payment_method").number : undefined;
      return payInvoiceNow(ctx, invoice, { card, offSession: p.bool("off_session") ?? false });
    },
  ),
  // Stripe deletes only drafts; a finalized invoice is voided instead.
  route("DELETE", "/v1/invoices/:id", accepts<Stripe.InvoiceDeleteParams>({}), ({ ctx }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    if (invoice.status !== "draft") throw invalidRequest("You can only delete draft invoices.");
    ctx.store.invoices.delete(id);
    ctx.events.emit("invoice.deleted", invoice);
    return { id, object: "invoice", deleted: true };
  }),
  route("POST", "/v1/invoices/:id/void", accepts<Stripe.InvoiceVoidInvoiceParams>({}), ({ ctx }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    if (invoice.status !== "open") throw invalidRequest(`You can only void open invoices.`);
    voidInvoice(ctx, invoice);
    return invoice;
  }),
  route("POST", "/v1/invoices/:id/mark_uncollectible", accepts<Stripe.InvoiceMarkUncollectibleParams>({}), ({ ctx }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    if (invoice.status !== "open") throw invalidRequest(`You can only mark open invoices as uncollectible.`);
    markUncollectible(ctx, invoice, "user_forgiven");
    return invoice;
  }),
  route("GET", "/v1/invoices/:id/lines", accepts<Stripe.InvoiceListLineItemsParams>(PAGE), ({ ctx, params: p }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    // paginate() hands out newest first; invoice lines keep their own order.
    return paginate([...invoice.lines.data].reverse(), p, invoice.lines.url);
  }),
  route(
    "GET",
    "/v1/invoices",
    accepts<Stripe.InvoiceListParams>({ ...PAGE, customer: true, subscription: true, status: true, created: true }),
    ({ ctx, params: p }) => {
      const customer = p.str("customer");
      const subscription = p.str("subscription");
      const status = p.str("status");
      const invoices = [...ctx.store.invoices.values()].filter(
        (inv) =>
          (customer === undefined || customerId(inv) === customer) &&
          (subscription === undefined || subscriptionIdOf(inv) === subscription) &&
          (status === undefined || inv.status === status) &&
          createdMatches(p, inv.created),
      );
      return paginate(invoices, p, "/v1/invoices");
    },
  ),

  // An invoice's PaymentIntent: why its last attempt failed (`last_payment_error`), or that it needs 3-D Secure.
  route("GET", "/v1/payment_intents/:id", accepts<Stripe.PaymentIntentRetrieveParams>({ client_secret: true }), ({ ctx }, id) => paymentIntentObject(ctx, id)),
  route("GET", "/v1/invoice_payments/:id", accepts<Stripe.InvoicePaymentRetrieveParams>({}), ({ ctx }, id) =>
    found(ctx.store.invoicePayments.get(id), "invoice_payment", id),
  ),
  route(
    "GET",
    "/v1/invoice_payments",
    accepts<Stripe.InvoicePaymentListParams>({ ...PAGE, invoice: true, payment: { type: true, payment_intent: true } }),
    ({ ctx, params: p }) => {
      const invoice = p.str("invoice");
      // `payment[type]=payment_intent&payment[payment_intent]=pi_…`: how a charge's PaymentIntent leads back to its invoice.
      const payment = p.obj("payment");
      const paymentIntent = payment ? (payment.reqOneOf("type", ["payment_intent"] as const), payment.reqStr("payment_intent")) : undefined;
      const payments = [...ctx.store.invoicePayments.values()].filter(
        (ip) => (invoice === undefined || ip.invoice === invoice) && (paymentIntent === undefined || ip.payment.payment_intent === paymentIntent),
      );
      return paginate(payments, p, "/v1/invoice_payments");
    },
  ),

  route(
    "POST",
    "/v1/refunds",
    accepts<Stripe.RefundCreateParams>({ payment_intent: true, charge: true, amount: true, reason: true, metadata: true }),
    ({ ctx, params }) => createRefund(ctx, params),
  ),
  route("GET", "/v1/refunds/:id", accepts<Stripe.RefundRetrieveParams>({}), ({ ctx }, id) => found(ctx.store.refunds.get(id), "refund", id)),
  route("GET", "/v1/refunds", accepts<Stripe.RefundListParams>({ ...PAGE, payment_intent: true, charge: true }), ({ ctx, params: p }) => {
    const pi = p.str("payment_intent");
    const charge = p.str("charge");
    const refunds = [...ctx.store.refunds.values()].filter(
      (r) => (pi === undefined || r.payment_intent === pi) && (charge === undefined || r.charge === charge),
    );
    return paginate(refunds, p, "/v1/refunds");
  }),

  route("GET", "/v1/payment_methods/:id", accepts<Stripe.PaymentMethodRetrieveParams>({}), ({ ctx }, id) =>
    found(ctx.store.paymentMethods.get(id), "PaymentMethod", id),
  ),

  route("GET", "/v1/events/:id", accepts<Stripe.EventRetrieveParams>({}), ({ ctx }, id) => withPending(ctx, found(ctx.store.events.get(id), "event", id))),
  route("GET", "/v1/events", accepts<Stripe.EventListParams>({ ...PAGE, type: true, types: true, created: true }), ({ ctx, params: p }) => {
    const type = p.str("type");
    const types = p.strList("types");
    const matchesType = (t: string) =>
      (type === undefined || t === type || (type.endsWith("*") && t.startsWith(type.slice(0, -1)))) && (!types.length || types.includes(t));
    const events = [...ctx.store.events.values()].filter((e) => matchesType(e.type) && createdMatches(p, e.created));
    const page = paginate(events, p, "/v1/events");
    return { ...page, data: page.data.map((e) => withPending(ctx, e)) };
  }),
];

/** `pending_webhooks` counts the deliveries still owed for the event, as Stripe's does. */
function withPending(ctx: SimContext, event: Stripe.Event): Stripe.Event {
  return { ...clone(event), pending_webhooks: ctx.webhooks.pendingFor(event.id) };
}
