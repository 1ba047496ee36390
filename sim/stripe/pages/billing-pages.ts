// The hosted invoice page (`hosted_invoice_url`: pay one invoice with a card). The customer portal
// is pages/portal-page.ts.
import type Stripe from "stripe";
import { escapeHtml } from "../../shared/http";
import { subscriptionIdOf } from "../objects/subscription";
import { alert, cardInput, money, page } from "./layout";

export interface Flash {
  error?: string;
  notice?: string;
}

export function hostedInvoicePage(invoice: Stripe.Invoice, flash: Flash = {}): string {
  const lines = invoice.lines.data
    .map((line) => `<tr><td>${escapeHtml(line.description ?? "")}</td><td>${money(line.amount, line.currency)}</td></tr>`)
    .join("");
  const sub = subscriptionIdOf(invoice);
  // An uncollectible invoice can still be paid (Stripe: invoice statuses).
  const payForm =
    invoice.status === "open" || invoice.status === "uncollectible"
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
