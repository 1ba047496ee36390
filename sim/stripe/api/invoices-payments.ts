// /v1/invoices, /v1/invoice_payments, /v1/refunds, /v1/payment_methods, /v1/billing_portal/sessions, /v1/events
import type Stripe from "stripe";
import { markPaidOutOfBand, markUncollectible, payInvoiceNow, voidInvoice } from "../billing";
import { invalidRequest, noSuch } from "../errors";
import { createdMatches, paginate } from "../list";
import { createRefund } from "../objects/payment";
import { buildPortalSession } from "../objects/portal";
import { customerId, subscriptionIdOf } from "../objects/subscription";
import { clone } from "../store";
import { previewInvoice } from "../subscription-update";
import type { SimContext } from "../types";
import { route } from "./router";

function found<T>(value: T | undefined, kind: string, id: string): T {
  if (!value) throw noSuch(kind, id);
  return value;
}

export const invoicePaymentRoutes = [
  route("POST", "/v1/invoices/create_preview", ({ ctx, params }) => previewInvoice(ctx, params)),
  route("GET", "/v1/invoices/:id", ({ ctx }, id) => ctx.store.invoice(id, "id")),
  route("POST", "/v1/invoices/:id/pay", ({ ctx, params: p }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    if (p.bool("paid_out_of_band")) {
      if (invoice.status !== "open" && invoice.status !== "draft") throw invalidRequest("Invoice is already paid", { code: "invoice_already_paid" });
      markPaidOutOfBand(ctx, invoice);
      return invoice;
    }
    const paymentMethod = p.str("payment_method");
    const card = paymentMethod ? [...ctx.store.cards.values()].find((c) => c.paymentMethodId === paymentMethod)?.number : undefined;
    if (paymentMethod && !card) throw noSuch("PaymentMethod", paymentMethod, "payment_method");
    return payInvoiceNow(ctx, invoice, { card, offSession: p.bool("off_session") ?? false });
  }),
  route("POST", "/v1/invoices/:id/void", ({ ctx }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    if (invoice.status !== "open") throw invalidRequest(`You can only void open invoices.`);
    voidInvoice(ctx, invoice);
    return invoice;
  }),
  route("POST", "/v1/invoices/:id/mark_uncollectible", ({ ctx }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    if (invoice.status !== "open") throw invalidRequest(`You can only mark open invoices as uncollectible.`);
    markUncollectible(ctx, invoice);
    return invoice;
  }),
  route("GET", "/v1/invoices/:id/lines", ({ ctx, params: p }, id) => {
    const invoice = ctx.store.invoice(id, "id");
    // paginate() hands out newest first; invoice lines keep their own order.
    return paginate([...invoice.lines.data].reverse(), p, invoice.lines.url);
  }),
  route("GET", "/v1/invoices", ({ ctx, params: p }) => {
    const customer = p.str("customer");
    const subscription = p.str("subscription");
    const status = p.str("status");
    const invoices = [...ctx.store.invoices.values()].filter(
      (inv) => (customer === undefined || customerId(inv) === customer)
        && (subscription === undefined || subscriptionIdOf(inv) === subscription)
        && (status === undefined || inv.status === status)
        && createdMatches(p, inv.created),
    );
    return paginate(invoices, p, "/v1/invoices");
  }),

  route("GET", "/v1/invoice_payments/:id", ({ ctx }, id) => found(ctx.store.invoicePayments.get(id), "invoice_payment", id)),
  route("GET", "/v1/invoice_payments", ({ ctx, params: p }) => {
    const invoice = p.str("invoice");
    const payments = [...ctx.store.invoicePayments.values()].filter((ip) => invoice === undefined || ip.invoice === invoice);
    return paginate(payments, p, "/v1/invoice_payments");
  }),

  route("POST", "/v1/refunds", ({ ctx, params }) => createRefund(ctx, params)),
  route("GET", "/v1/refunds/:id", ({ ctx }, id) => found(ctx.store.refunds.get(id), "refund", id)),
  route("GET", "/v1/refunds", ({ ctx, params: p }) => {
    const pi = p.str("payment_intent");
    const charge = p.str("charge");
    const refunds = [...ctx.store.refunds.values()].filter(
      (r) => (pi === undefined || r.payment_intent === pi) && (charge === undefined || r.charge === charge),
    );
    return paginate(refunds, p, "/v1/refunds");
  }),

  route("GET", "/v1/payment_methods/:id", ({ ctx }, id) => found(ctx.store.paymentMethods.get(id), "PaymentMethod", id)),

  route("POST", "/v1/billing_portal/sessions", ({ ctx, params }) => buildPortalSession(ctx, params)),

  route("GET", "/v1/events/:id", ({ ctx }, id) => withPending(ctx, found(ctx.store.events.get(id), "event", id))),
  route("GET", "/v1/events", ({ ctx, params: p }) => {
    const type = p.str("type");
    const types = p.strList("types");
    const matchesType = (t: string) =>
      (type === undefined || t === type || (type.endsWith("*") && t.startsWith(type.slice(0, -1))))
      && (!types.length || types.includes(t));
    const events = [...ctx.store.events.values()].filter((e) => matchesType(e.type) && createdMatches(p, e.created));
    const page = paginate(events, p, "/v1/events");
    return { ...page, data: page.data.map((e) => withPending(ctx, e)) };
  }),
];

/** `pending_webhooks` counts the deliveries still owed for the event, as Stripe's does. */
function withPending(ctx: SimContext, event: Stripe.Event): Stripe.Event {
  return { ...clone(event), pending_webhooks: ctx.webhooks.pendingFor(event.id) };
}
