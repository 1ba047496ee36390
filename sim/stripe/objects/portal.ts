import type Stripe from "stripe";
import type { Params } from "../params";
import { invalidRequest, missingParam } from "../errors";
import { defaultConfiguration, featureEnabled, findConfiguration } from "../portal-config";
import { newId } from "../store";
import type { SimContext } from "../types";

export function buildPortalSession(ctx: SimContext, p: Params): Stripe.BillingPortal.Session {
  const customer = ctx.store.customer(p.reqStr("customer"));
  // Without `configuration` the session uses the account's default one (Stripe: sessions.create).
  const configurationId = p.str("configuration");
  const configuration = configurationId ? findConfiguration(ctx, configurationId) : defaultConfiguration(ctx);
  if (!configuration.active) throw invalidRequest(`The configuration ${configuration.id} is inactive.`, { param: "configuration" });
  // The portal's "return" link: the session's return_url, else the configuration's default.
  const returnUrl = p.str("return_url") ?? configuration.default_return_url;
  const id = newId("bps_1");
  const flow = portalFlow(p.obj("flow_data"), configuration);
  const session: Stripe.BillingPortal.Session = {
    id,
    object: "billing_portal.session",
    configuration: configuration.id,
    created: ctx.clock.now(),
    customer: customer.id,
    customer_account: null,
    flow,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: returnUrl,
    url: `${ctx.options.publicBaseUrl}/p/session/${id}`,
  };
  ctx.store.portalSessions.set(id, session);
  ctx.events.emit("billing_portal.session.created", session);
  return session;
}

/**
 * `flow_data` deep-links the portal into one flow ("Deep links in the customer portal"). Only
 * `payment_method_update` is implemented (the one the product uses); another type is refused
 * rather than silently opening the homepage. The flow needs its feature enabled in the
 * configuration. `after_completion` decides where the customer lands once the card is saved:
 * `portal_homepage` (the default: the configuration's whole portal), `redirect` (straight to
 * `redirect.return_url`) or `hosted_confirmation` (a confirmation page).
 */
function portalFlow(data: Params | undefined, configuration: Stripe.BillingPortal.Configuration): Stripe.BillingPortal.Session.Flow | null {
  if (!data) return null;
  const type = data.reqStr("type");
  if (type !== "payment_method_update")
    throw invalidRequest(`The stand-in supports only flow_data[type]=payment_method_update, not ${type}.`, { param: "flow_data[type]" });
  if (!featureEnabled(configuration, "payment_method_update")) {
    throw invalidRequest("The payment_method_update flow needs features[payment_method_update] enabled in the portal configuration. (stand-in wording)", {
      param: "flow_data[type]",
    });
  }
  const after = data.obj("after_completion");
  const afterType = after?.oneOf("type", ["portal_homepage", "redirect", "hosted_confirmation"] as const) ?? "portal_homepage";
  let redirect: Stripe.BillingPortal.Session.Flow.AfterCompletion.Redirect | null = null;
  if (afterType === "redirect") {
    const returnUrl = after?.obj("redirect")?.str("return_url");
    if (!returnUrl) throw missingParam("flow_data[after_completion][redirect][return_url]");
    redirect = { return_url: returnUrl };
  }
  const hostedConfirmation = afterType === "hosted_confirmation" ? { custom_message: after?.obj("hosted_confirmation")?.str("custom_message") ?? null } : null;
  return {
    type,
    after_completion: { type: afterType, hosted_confirmation: hostedConfirmation, redirect },
    customer_update: null,
    subscription_cancel: null,
    subscription_pause: null,
    subscription_update: null,
    subscription_update_confirm: null,
  } as Stripe.BillingPortal.Session.Flow;
}
