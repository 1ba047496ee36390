// The hosted customer portal (`/p/session/:id`). It offers exactly what the session's
// configuration enables (portal-config.ts): a deep-linked flow shows only its own form until it is
// completed, then goes where `after_completion` says; the homepage shows the card, invoices,
// subscriptions (cancel / quantity) and details sections only for enabled features. An action the
// configuration does not enable is refused (403), even when posted by hand.
import type { ServerResponse } from "node:http";
import type Stripe from "stripe";
import { escapeHtml, sendHtml } from "../../shared/http";
import { cancelSubscription, cancelSubscriptionAtPeriodEnd, payInvoiceNow } from "../billing";
import { normalizeCardNumber, validateCardNumber } from "../cards";
import { StripeApiError } from "../errors";
import { currentPeriod, customerId } from "../objects/subscription";
import { Params } from "../params";
import { customerCards, customerDefaultCard, updateCustomerCard } from "../payment-methods";
import { featureEnabled, findConfiguration } from "../portal-config";
import { updateSubscription } from "../subscription-update";
import type { SimContext } from "../types";
import { alert, cardInput, date, money, page } from "./layout";

interface Flash {
  error?: string;
  notice?: string;
}

type Configuration = Stripe.BillingPortal.Configuration;

export function portalRoute(ctx: SimContext, res: ServerResponse, id: string, action: string, form: URLSearchParams) {
  const session = ctx.store.portalSessions.get(id);
  if (!session) return sendHtml(res, 404, page("Not found", "<h1>This portal session does not exist.</h1>"));
  const configuration = findConfiguration(ctx, String(session.configuration));
  const customer = ctx.store.customer(session.customer);
  const inFlow = session.flow !== null && !ctx.store.completedPortalFlows.has(session.id);
  const refuse = () => sendHtml(res, 403, page("Not available", "<h1>This action isn't available in this portal.</h1>"));
  const show = (flash: Flash = {}) =>
    sendHtml(res, flash.error ? 402 : 200, inFlow ? flowPage(ctx, session, flash) : homePage(ctx, session, configuration, flash));

  if (action === "view") return show();
  if (action === "card") {
    if (!featureEnabled(configuration, "payment_method_update")) return refuse();
    const number = normalizeCardNumber(form.get("card") ?? "");
    const invalid = validateCardNumber(number);
    if (invalid) return show({ error: invalid.message });
    const outcome = updateCustomerCard(ctx, customer, number);
    if (!outcome.ok) return show({ error: outcome.decline.message });
    if (!inFlow) return show({ notice: "Your card was updated." });
    ctx.store.completedPortalFlows.set(session.id, ctx.clock.now());
    const after = session.flow!.after_completion;
    if (after.type === "redirect" && after.redirect) {
      res.writeHead(303, { location: after.redirect.return_url, "content-length": 0 });
      return res.end();
    }
    if (after.type === "hosted_confirmation") return sendHtml(res, 200, confirmationPage(session, after.hosted_confirmation?.custom_message ?? null));
    return sendHtml(res, 200, homePage(ctx, session, configuration, { notice: "Your card was updated." }));
  }
  // Everything below lives on the homepage: never inside an unfinished flow.
  if (inFlow) return refuse();
  if (action === "pay") {
    if (!featureEnabled(configuration, "invoice_history")) return refuse();
    const invoice = ctx.store.invoices.get(form.get("invoice") ?? "");
    if (!invoice || customerId(invoice) !== customer.id) return refuse();
    // The portal pays with the card it shows as the customer's default (else Stripe's usual order).
    return show(tryPay(ctx, invoice, customerDefaultCard(ctx, customer)?.number));
  }
  const sub = ctx.store.subscriptions.get(form.get("subscription") ?? "");
  if (action === "cancel") {
    if (!featureEnabled(configuration, "subscription_cancel") || !sub || customerId(sub) !== customer.id) return refuse();
    if (configuration.features.subscription_cancel.mode === "immediately") cancelSubscription(ctx, sub, "cancellation_requested");
    else cancelSubscriptionAtPeriodEnd(ctx, sub);
    return show({
      notice:
        configuration.features.subscription_cancel.mode === "immediately" ? "Your plan was canceled." : "Your plan will be canceled at the end of the period.",
    });
  }
  if (action === "quantity") {
    if (!quantityUpdates(configuration) || !sub || customerId(sub) !== customer.id) return refuse();
    const item = sub.items.data[0]!;
    const params = new Params({
      items: [{ id: item.id, quantity: form.get("quantity") ?? "" }],
      proration_behavior: configuration.features.subscription_update.proration_behavior,
    });
    try {
      updateSubscription(ctx, sub, params);
    } catch (error) {
      if (error instanceof StripeApiError) return show({ error: error.message });
      throw error;
    }
    return show({ notice: "Your plan was updated." });
  }
  if (action === "details") {
    if (!featureEnabled(configuration, "customer_update")) return refuse();
    const allowed = configuration.features.customer_update.allowed_updates;
    ctx.events.update("customer.updated", customer, () => {
      if (allowed.includes("email") && form.get("email")) customer.email = form.get("email");
      if (allowed.includes("name") && form.get("name")) customer.name = form.get("name");
    });
    return show({ notice: "Your information was updated." });
  }
  return refuse();
}

const quantityUpdates = (configuration: Configuration) =>
  featureEnabled(configuration, "subscription_update") && configuration.features.subscription_update.default_allowed_updates.includes("quantity");

function tryPay(ctx: SimContext, invoice: Stripe.Invoice, card?: string): Flash {
  try {
    payInvoiceNow(ctx, invoice, { card, offSession: false, authenticated: true });
    return { notice: "Payment received. Thank you!" };
  } catch (error) {
    if (error instanceof StripeApiError) return { error: error.message };
    throw error;
  }
}

function cardLine(ctx: SimContext, customer: Stripe.Customer): string {
  const current = customerDefaultCard(ctx, customer) ?? customerCards(ctx, customer.id).at(-1);
  return current ? `${escapeHtml(current.brand)} ending in ${escapeHtml(current.last4)}` : "No card on file";
}

const returnLink = (session: Stripe.BillingPortal.Session) =>
  session.return_url ? `<p><a href="${escapeHtml(session.return_url)}">Return to Lab VPS</a></p>` : "";

/** The deep-linked flow shows only the card form, as Stripe's portal does. */
function flowPage(ctx: SimContext, session: Stripe.BillingPortal.Session, flash: Flash): string {
  const customer = ctx.store.customer(session.customer);
  return page(
    "Update payment method",
    `
<h1>Update your payment method</h1>
${alert(flash.error)}${alert(flash.notice, "notice")}
<p>Current card: ${cardLine(ctx, customer)}</p>
<form method="post" action="/p/session/${escapeHtml(session.id)}/card">${cardInput()}<button type="submit">Update card</button></form>
${returnLink(session)}`,
  );
}

function confirmationPage(session: Stripe.BillingPortal.Session, message: string | null): string {
  return page("Payment method updated", `<h1>Your payment method was updated.</h1>${message ? `<p>${escapeHtml(message)}</p>` : ""}${returnLink(session)}`);
}

function homePage(ctx: SimContext, session: Stripe.BillingPortal.Session, configuration: Configuration, flash: Flash): string {
  const customer = ctx.store.customer(session.customer);
  const base = `/p/session/${escapeHtml(session.id)}`;
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const sections: string[] = [];
  if (featureEnabled(configuration, "payment_method_update")) {
    sections.push(`<h2>Payment method</h2>
<p>${cardLine(ctx, customer)}</p>
<form method="post" action="${base}/card">${cardInput()}<button type="submit">Update card</button></form>`);
  }
  const subs = [...ctx.store.subscriptions.values()].filter((s) => customerId(s) === customer.id);
  const rows = subs.map((s) => {
    const plan = s.items.data.map((i) => `${escapeHtml(i.price.nickname ?? i.price.lookup_key ?? i.price.id)} × ${i.quantity}`).join(", ");
    const live = s.status !== "canceled" && s.status !== "incomplete_expired";
    const controls = [
      live && !s.cancel_at_period_end && featureEnabled(configuration, "subscription_cancel")
        ? `<form method="post" action="${base}/cancel">${hidden("subscription", s.id)}<button class="secondary">Cancel plan</button></form>`
        : "",
      live && quantityUpdates(configuration)
        ? `<form method="post" action="${base}/quantity">${hidden("subscription", s.id)}<label>Quantity<input name="quantity" value="${s.items.data[0]?.quantity ?? 1}"></label><button class="secondary">Update plan</button></form>`
        : "",
      s.cancel_at_period_end ? "Cancels at period end" : "",
    ].join("");
    return `<tr><td>${plan}</td><td>${escapeHtml(s.status)}</td><td>${date(currentPeriod(s).end)}</td><td>${controls}</td></tr>`;
  });
  sections.push(
    `<h2>Subscriptions</h2><table><thead><tr><th>Plan</th><th>Status</th><th>Current period ends</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table>`,
  );
  if (featureEnabled(configuration, "invoice_history")) {
    const invoices = [...ctx.store.invoices.values()].filter((i) => customerId(i) === customer.id && i.status !== "draft").reverse();
    const invoiceRows = invoices.map((inv) => {
      const payable = inv.status === "open" || inv.status === "uncollectible";
      const pay = payable
        ? `<form method="post" action="${base}/pay">${hidden("invoice", inv.id)}<button>Pay ${money(inv.amount_remaining, inv.currency)}</button></form>`
        : "";
      return `<tr><td>${escapeHtml(inv.number ?? inv.id)}</td><td>${date(inv.created)}</td><td>${money(inv.total, inv.currency)}</td><td>${escapeHtml(inv.status ?? "")}</td><td>${pay}</td></tr>`;
    });
    sections.push(
      `<h2>Invoices</h2><table><thead><tr><th>Number</th><th>Date</th><th>Total</th><th>Status</th><th></th></tr></thead><tbody>${invoiceRows.join("")}</tbody></table>`,
    );
  }
  if (featureEnabled(configuration, "customer_update")) {
    sections.push(`<h2>Your information</h2><form method="post" action="${base}/details">
<label>Email<input name="email" value="${escapeHtml(customer.email ?? "")}"></label><label>Name<input name="name" value="${escapeHtml(customer.name ?? "")}"></label>
<button class="secondary">Update information</button></form>`);
  }
  return page(
    "Billing",
    `<h1>Billing for ${escapeHtml(customer.email ?? customer.id)}</h1>
${alert(flash.error)}${alert(flash.notice, "notice")}
${sections.join("\n")}
${returnLink(session)}`,
  );
}
