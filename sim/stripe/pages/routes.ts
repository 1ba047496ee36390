// Browser-facing routes: hosted checkout (/checkout/:id), customer portal (/p/session/:id, pages/portal-page.ts) and
// hosted invoice pages (/i/:id). Forms post back here and answer 303 redirects like Stripe's.
import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import { readBody, sendHtml } from "../../shared/http";
import { payInvoiceNow } from "../billing";
import { DECLINE_CARD } from "../cards";
import { finishAuthentication, type PaymentOutcome, submitPayment } from "../checkout";
import { StripeApiError } from "../errors";
import { atTimeOf } from "../test-clocks";
import type { SimContext } from "../types";
import { type Flash, hostedInvoicePage } from "./billing-pages";
import { checkoutPage } from "./checkout-page";
import { page } from "./layout";
import { portalRoute } from "./portal-page";
import { stripeJsSource, threeDSecurePage } from "./stripe-js";

export async function handlePage(ctx: SimContext, req: IncomingMessage, res: ServerResponse, url: URL) {
  ctx.tick();
  const form = req.method === "POST" ? new URLSearchParams((await readBody(req)).toString("utf8")) : new URLSearchParams();
  if (url.pathname === "/v3" || url.pathname === "/v3/") {
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
    res.end(stripeJsSource(ctx.options.publicBaseUrl));
    return;
  }
  const threeDs = url.pathname.match(/^\/3ds\/([^/]+)$/);
  if (threeDs) {
    const origin = url.searchParams.get("origin") ?? "";
    const { status, html } = threeDSecurePage(
      ctx,
      decodeURIComponent(threeDs[1]!),
      req.method === "POST" ? (form.get("result") ?? "fail") : null,
      /^https?:\/\/[^/]+$/.test(origin) ? origin : ctx.options.publicBaseUrl,
    );
    return sendHtml(res, status, html);
  }
  const pdf = url.pathname.match(/^\/i\/([^/]+)\/pdf$/);
  if (pdf && req.method === "GET") return invoicePdf(ctx, res, decodeURIComponent(pdf[1]!));
  const [, kind, id, action] = url.pathname.match(/^\/(checkout|p\/session|i)\/([^/]+)(?:\/([a-z0-9]+))?$/) ?? [];
  // A page about an object on a test clock acts at that clock's frozen time.
  if (kind === "checkout") return atTimeOf(ctx, [id], () => checkoutRoute(ctx, res, id, req.method === "POST" ? (action ?? "submit") : "view", form));
  if (kind === "p/session") return atTimeOf(ctx, [id], () => portalRoute(ctx, res, id, req.method === "POST" ? action : "view", form));
  if (kind === "i") return atTimeOf(ctx, [id], () => invoiceRoute(ctx, res, id, req.method === "POST" ? action : "view", form));
  if (url.pathname === "/") return sendHtml(res, 200, page("Stripe stand-in", `<p><a href="/_sim">Inspect state and events</a></p>`));
  sendHtml(res, 404, page("Not found", "<h1>Not found</h1>"));
}

function checkoutRoute(ctx: SimContext, res: ServerResponse, id: string, action: string, form: URLSearchParams) {
  const session = ctx.store.sessions.get(id);
  if (!session) return sendHtml(res, 404, page("Not found", "<h1>This Checkout Session does not exist.</h1>"));
  if (action === "view") return sendHtml(res, 200, checkoutPage(ctx, session));
  let outcome: PaymentOutcome;
  if (action === "3ds") {
    outcome = finishAuthentication(ctx, session, form.get("result") === "complete");
  } else if (form.get("action") === "cancel") {
    // Leaving Checkout does not expire the session; Stripe just sends the customer back.
    return redirect(res, session.cancel_url ?? `/checkout/${id}`);
  } else {
    const card = form.get("action") === "decline" ? DECLINE_CARD : (form.get("card") ?? "");
    const field = (name: string) => form.get(name) ?? undefined;
    const billing = {
      country: field("country"),
      line1: field("line1"),
      city: field("city"),
      postalCode: field("postal_code"),
      businessName: form.get("business") === "on" ? field("business_name") : undefined,
      taxId: form.get("business") === "on" ? field("tax_id") : undefined,
    };
    outcome = submitPayment(ctx, session, { card, email: field("email"), billing });
  }
  if (outcome.kind === "complete") return redirect(res, outcome.redirect);
  if (outcome.kind === "authenticate") return redirect(res, `/checkout/${id}`);
  const status = outcome.kind === "declined" ? 402 : 200;
  sendHtml(res, status, checkoutPage(ctx, session, outcome.kind === "declined" ? outcome.decline.message : undefined));
}

function invoiceRoute(ctx: SimContext, res: ServerResponse, id: string, action: string, form: URLSearchParams) {
  const invoice = ctx.store.invoices.get(id);
  if (!invoice) return sendHtml(res, 404, page("Not found", "<h1>This invoice does not exist.</h1>"));
  const flash = action === "pay" ? tryPay(ctx, invoice, form.get("card") ?? undefined) : {};
  sendHtml(res, flash.error ? 402 : 200, hostedInvoicePage(invoice, flash));
}

/** The invoice's `invoice_pdf`: a one-page PDF with its number, status and amount. */
function invoicePdf(ctx: SimContext, res: ServerResponse, id: string) {
  const invoice = ctx.store.invoices.get(id);
  if (!invoice || invoice.status === "draft") return sendHtml(res, 404, page("Not found", "<h1>This invoice has no PDF.</h1>"));
  const text = `Invoice ${invoice.number ?? invoice.id} - ${invoice.status} - ${(invoice.amount_due / 100).toFixed(2)} ${invoice.currency.toUpperCase()}`;
  const stream = `BT /F1 14 Tf 50 780 Td (${text.replace(/[()\\]/g, "")}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets = objects.map((object, i) => {
    const at = body.length;
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return at;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  res.writeHead(200, { "content-type": "application/pdf", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Hosted pages have the customer present, so 3-D Secure counts as passed. */
function tryPay(ctx: SimContext, invoice: Stripe.Invoice, card?: string): Flash {
  try {
    payInvoiceNow(ctx, invoice, { card, offSession: false, authenticated: true });
    return { notice: "Payment received. Thank you!" };
  } catch (error) {
    if (error instanceof StripeApiError) return { error: error.message };
    throw error;
  }
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(303, { location, "content-length": 0 });
  res.end();
}
