// A small Stripe.js-compatible script (served at /v3, where the app's STRIPE_JS_URL points in
// development) for the calls the product makes: `Stripe(key).handleNextAction({ clientSecret })`.
// Like Stripe.js, it shows the bank's 3-D Secure challenge (here the stand-in's own page, in a
// popup) and resolves with `{ paymentIntent }` once authenticated, or `{ error }`. The challenge
// page pays the invoice behind the PaymentIntent as the customer (on-session, authenticated).
import type Stripe from "stripe";
import { payInvoiceNow } from "../billing";
import { StripeApiError } from "../errors";
import type { SimContext } from "../types";
import { escapeHtml } from "../../shared/http";
import { page } from "./layout";

export function stripeJsSource(baseUrl: string): string {
  const base = JSON.stringify(baseUrl);
  return `(function () {
  var BASE = ${base};
  function handleNextAction(options) {
    var secret = options && options.clientSecret;
    if (typeof secret !== "string") return Promise.reject(new Error("handleNextAction: clientSecret is required"));
    var intentId = secret.split("_secret_")[0];
    return new Promise(function (resolve) {
      var popup = window.open(BASE + "/3ds/" + encodeURIComponent(secret) + "?origin=" + encodeURIComponent(location.origin), "stripe-sim-3ds", "width=480,height=560");
      if (!popup) {
        resolve({ error: { type: "invalid_request_error", code: "popup_blocked", message: "The authentication window was blocked." } });
        return;
      }
      function onMessage(event) {
        if (event.origin !== BASE || !event.data || event.data.type !== "stripe-sim-3ds" || event.data.clientSecret !== secret) return;
        window.removeEventListener("message", onMessage);
        if (event.data.ok) resolve({ paymentIntent: { id: intentId, object: "payment_intent", status: "succeeded", client_secret: secret } });
        else resolve({ error: { type: "card_error", code: event.data.code, message: event.data.message, payment_intent: { id: intentId, status: "requires_payment_method" } } });
      }
      window.addEventListener("message", onMessage);
    });
  }
  window.Stripe = function Stripe(key) {
    if (typeof key !== "string" || key.indexOf("pk_") !== 0) throw new Error("Stripe(): a publishable key (pk_...) is required");
    return { handleNextAction: handleNextAction };
  };
  window.Stripe.version = 3;
})();
`;
}

function invoiceOfSecret(ctx: SimContext, secret: string): Stripe.Invoice | undefined {
  for (const [invoiceId, intent] of ctx.store.invoiceIntents) if (intent.clientSecret === secret) return ctx.store.invoices.get(invoiceId);
  return undefined;
}

/** GET shows the challenge; POST result=complete pays the invoice, result=fail does not. Either tells the opener. */
export function threeDSecurePage(ctx: SimContext, secret: string, result: string | null, openerOrigin: string): { status: number; html: string } {
  const invoice = invoiceOfSecret(ctx, secret);
  if (!invoice) return { status: 404, html: page("Not found", "<h1>No payment to authenticate.</h1>") };
  if (result === null) {
    return {
      status: 200,
      html: page(
        "3-D Secure",
        `<h1>Confirm your payment</h1>
<p>Your bank asks you to confirm a payment of ${(invoice.amount_remaining / 100).toFixed(2)} ${escapeHtml(invoice.currency.toUpperCase())} (3-D Secure test).</p>
<form method="post"><button type="submit" name="result" value="complete">Complete authentication</button>
<button type="submit" name="result" value="fail" class="secondary">Fail authentication</button></form>`,
      ),
    };
  }
  let message: { ok: boolean; code?: string; message?: string };
  if (result === "complete") {
    try {
      payInvoiceNow(ctx, invoice, { offSession: false, authenticated: true });
      message = { ok: true };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      message = { ok: false, code: error.body.code ?? "card_declined", message: error.body.message };
    }
  } else {
    message = {
      ok: false,
      code: "payment_intent_authentication_failure",
      message: "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
    };
  }
  const payload = JSON.stringify({ type: "stripe-sim-3ds", clientSecret: secret, ...message }).replace(/</g, "\\u003c");
  return {
    status: 200,
    html: page(
      "3-D Secure",
      `<p>${message.ok ? "Authenticated. You can close this window." : escapeHtml(message.message ?? "Authentication failed.")}</p>
<script>if (window.opener) { window.opener.postMessage(${payload}, ${JSON.stringify(openerOrigin).replace(/</g, "\\u003c")}); window.close(); }</script>`,
    ),
  };
}
