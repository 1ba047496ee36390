// The hosted Checkout page. One form: card number (and email when the session has no customer),
// buttons Pay, Decline (pays with the generic decline card) and Cancel (back to cancel_url).
import type Stripe from "stripe";
import { escapeHtml } from "../../shared/http";
import { sessionLineItems } from "../objects/checkout-session";
import { addressFieldsNeeded } from "../checkout-tax";
import { RATES } from "../tax";
import type { SimContext } from "../types";
import { alert, cardInput, money, page } from "./layout";

export function checkoutPage(ctx: SimContext, session: Stripe.Checkout.Session, error?: string): string {
  const title = "Subscribe — Checkout";
  if (session.status !== "open") return closedPage(session);
  const extras = ctx.store.sessionExtras.get(session.id);
  if (extras?.pendingAuthCard) return authenticationPage(session);
  const items = sessionLineItems(ctx, session.id).data;
  const rows = items
    .map((item) => {
      const interval = item.price?.recurring ? ` / ${item.price.recurring.interval}` : "";
      return `<tr><td>${escapeHtml(item.description)} × ${item.quantity}</td><td>${money(item.amount_total, item.currency)}${interval}</td></tr>`;
    })
    .join("");
  const needsEmail = !session.customer && !session.customer_email;
  return page(
    title,
    `
<h1>Subscribe</h1>
${session.customer_email ? `<p>Paying as <strong>${escapeHtml(session.customer_email)}</strong></p>` : ""}
<table aria-label="Order summary"><thead><tr><th>Plan</th><th>Price</th></tr></thead><tbody>${rows}</tbody>
<tfoot>${session.automatic_tax.enabled ? `<tr><th>Tax</th><td>Calculated from your billing address</td></tr>` : ""}<tr><th>${session.automatic_tax.enabled ? "Subtotal due today (excl. tax)" : "Total due today"}</th><td class="total">${money(session.amount_total, session.currency)}</td></tr></tfoot></table>
${alert(error ?? extras?.lastError)}
<form method="post" action="/checkout/${escapeHtml(session.id)}">
${needsEmail ? `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required>` : ""}
${billingInputs(ctx, session)}
${cardInput()}
<p><small>Test cards: 4242 4242 4242 4242 (succeeds), 4000 0000 0000 0002 (declined), 4000 0000 0000 9995 (insufficient funds), 4000 0025 0000 3155 (authentication).</small></p>
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="decline" class="secondary" formnovalidate>Decline</button>
<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Cancel</button>
</form>`,
  );
}

/** The billing address (automatic tax or `billing_address_collection`) and the business tax ID. */
function billingInputs(ctx: SimContext, session: Stripe.Checkout.Session): string {
  const extras = ctx.store.sessionExtras.get(session.id);
  if (!extras) return "";
  const customer = session.customer ? ctx.store.customer(String(session.customer)) : null;
  const needed = addressFieldsNeeded(extras.tax, customer);
  const entered = extras.billing ?? {};
  const value = (v: string | undefined) => (v ? ` value="${escapeHtml(v)}"` : "");
  const countries = Object.keys(RATES).concat("US").sort();
  const address =
    needed === "none"
      ? ""
      : `<fieldset><legend>Billing address</legend>
<label for="country">Country</label><select id="country" name="country" required><option value="">Choose…</option>${countries
          .map((c) => `<option${entered.country === c ? " selected" : ""}>${c}</option>`)
          .join("")}</select>
${needed === "full" ? `<label for="line1">Address</label><input id="line1" name="line1" autocomplete="address-line1" required${value(entered.line1)}>` : ""}
${needed === "full" ? `<label for="city">City</label><input id="city" name="city" autocomplete="address-level2" required${value(entered.city)}>` : ""}
<label for="postal_code">Postal code</label><input id="postal_code" name="postal_code" autocomplete="postal-code" required${value(entered.postalCode)}>
</fieldset>`;
  const business = extras.tax.taxIdCollection
    ? `<fieldset><legend>Business</legend>
<label><input type="checkbox" name="business"${entered.businessName ? " checked" : ""}> I'm purchasing as a business</label>
<label for="business_name">Business name</label><input id="business_name" name="business_name"${value(entered.businessName)}>
<label for="tax_id">Tax ID (VAT number)</label><input id="tax_id" name="tax_id"${value(entered.taxId)}>
</fieldset>`
    : "";
  return address + business;
}

function authenticationPage(session: Stripe.Checkout.Session): string {
  return page(
    "Authenticate payment",
    `
<h1>Authenticate this payment</h1>
<p>Your bank asks you to confirm the payment of ${money(session.amount_total, session.currency)} (3-D Secure test).</p>
<form method="post" action="/checkout/${escapeHtml(session.id)}/3ds">
<button type="submit" name="result" value="complete">Complete authentication</button>
<button type="submit" name="result" value="fail" class="secondary">Fail authentication</button>
</form>`,
  );
}

function closedPage(session: Stripe.Checkout.Session): string {
  const message =
    session.status === "complete" ? "This Checkout Session is already complete. Thanks for your payment." : "This Checkout Session is no longer active.";
  const link =
    session.status === "complete" && session.success_url
      ? `<p><a href="${escapeHtml(session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", session.id))}">Continue</a></p>`
      : "";
  return page("Checkout", `<h1>Checkout</h1>${alert(message, "notice")}${link}`);
}
