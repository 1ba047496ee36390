// The customer portal (change card, pay open invoices, cancel at period end) and the hosted
// invoice page (`hosted_invoice_url`: pay one invoice with a card).
import type Stripe from "stripe";
import { escapeHtml } from "../../shared/http";
import { currentPeriod, customerId, subscriptionIdOf } from "../objects/subscription";
import type { SimContext } from "../types";
import { alert, cardInput, date, money, page } from "./layout";

export interface Flash {
  error?: string;
  notice?: string;
}

export function portalPage(ctx: SimContext, session: Stripe.BillingPortal.Session, flash: Flash = {}): string {
  const customer = ctx.store.customer(session.customer);
  const card = ctx.store.cards.get(customer.id);
  const base = `/p/session/${escapeHtml(session.id)}`;
  if (session.flow?.type === "payment_method_update") {
    // The deep-linked flow shows only the card form, as Stripe's portal does.
    return page(
      "Update payment method",
      `
<h1>Update your payment method</h1>
${alert(flash.error)}${alert(flash.notice, "notice")}
<p>${card ? `Current card: ${escapeHtml(card.brand)} ending in ${escapeHtml(card.last4)}` : "No card on file"}</p>
<form method="post" action="${base}/card">${cardInput()}<button type="submit">Update card</button></form>
${session.return_url ? `<p><a href="${escapeHtml(session.return_url)}">Return to Lab VPS</a></p>` : ""}`,
    );
  }
  const subs = [...ctx.store.subscriptions.values()].filter((s) => customerId(s) === customer.id);
  const invoices = [...ctx.store.invoices.values()].filter((i) => customerId(i) === customer.id).reverse();
  const subRows = subs
    .map((s) => {
      const plan = s.items.data.map((i) => `${escapeHtml(i.price.nickname ?? i.price.lookup_key ?? i.price.id)} × ${i.quantity}`).join(", ");
      const cancel =
        s.status !== "canceled" && !s.cancel_at_period_end
          ? `<form method="post" action="${base}/cancel"><input type="hidden" name="subscription" value="${escapeHtml(s.id)}"><button class="secondary">Cancel plan</button></form>`
          : s.cancel_at_period_end
            ? "Cancels at period end"
            : "";
      return `<tr><td>${plan}</td><td>${escapeHtml(s.status)}</td><td>${date(currentPeriod(s).end)}</td><td>${cancel}</td></tr>`;
    })
    .join("");
  const invoiceRows = invoices
    .map((inv) => {
      const pay =
        inv.status === "open"
          ? `<form method="post" action="${base}/pay"><input type="hidden" name="invoice" value="${escapeHtml(inv.id)}"><button>Pay ${money(inv.amount_remaining, inv.currency)}</button></form>`
          : "";
      return `<tr><td>${escapeHtml(inv.number ?? inv.id)}</td><td>${date(inv.created)}</td><td>${money(inv.total, inv.currency)}</td><td>${escapeHtml(inv.status)}</td><td>${pay}</td></tr>`;
    })
    .join("");
  return page(
    "Billing",
    `
<h1>Billing for ${escapeHtml(customer.email ?? customer.id)}</h1>
${alert(flash.error)}${alert(flash.notice, "notice")}
<h2>Payment method</h2>
<p>${card ? `${escapeHtml(card.brand)} ending in ${escapeHtml(card.last4)}` : "No card on file"}</p>
<form method="post" action="${base}/card">${cardInput()}<button type="submit">Update card</button></form>
<h2>Subscriptions</h2>
<table><thead><tr><th>Plan</th><th>Status</th><th>Current period ends</th><th></th></tr></thead><tbody>${subRows}</tbody></table>
<h2>Invoices</h2>
<table><thead><tr><th>Number</th><th>Date</th><th>Total</th><th>Status</th><th></th></tr></thead><tbody>${invoiceRows}</tbody></table>
${session.return_url ? `<p><a href="${escapeHtml(session.return_url)}">Return to Lab VPS</a></p>` : ""}`,
  );
}

export function hostedInvoicePage(invoice: Stripe.Invoice, flash: Flash = {}): string {
  const lines = invoice.lines.data
    .map((line) => `<tr><td>${escapeHtml(line.description ?? "")}</td><td>${money(line.amount, line.currency)}</td></tr>`)
    .join("");
  const sub = subscriptionIdOf(invoice);
  const payForm =
    invoice.status === "open"
      ? `<form method="post" action="/i/${escapeHtml(invoice.id)}/pay">${cardInput()}<button type="submit">Pay ${money(invoice.amount_remaining, invoice.currency)}</button></form>`
      : "";
  return page(
    `Invoice ${invoice.number ?? invoice.id}`,
    `
<h1>Invoice ${escapeHtml(invoice.number ?? invoice.id)}</h1>
${alert(flash.error)}${alert(flash.notice, "notice")}
<p>Status: <strong>${escapeHtml(invoice.status)}</strong>${sub ? ` · subscription <code>${escapeHtml(sub)}</code>` : ""}</p>
<table><tbody>${lines}</tbody><tfoot><tr><th>Amount due</th><td class="total">${money(invoice.amount_remaining, invoice.currency)}</td></tr></tfoot></table>
${payForm}`,
  );
}
