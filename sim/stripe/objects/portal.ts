import type Stripe from "stripe";
import type { Params } from "../params";
import { invalidRequest } from "../errors";
import { newId } from "../store";
import type { SimContext } from "../types";

export function buildPortalSession(ctx: SimContext, p: Params): Stripe.BillingPortal.Session {
  const customer = ctx.store.customer(p.reqStr("customer"));
  const id = newId("bps_1");
  const flow = portalFlow(p.obj("flow_data"));
  const session: Stripe.BillingPortal.Session = {
    id,
    object: "billing_portal.session",
    configuration: "bpc_sim_default",
    created: ctx.clock.now(),
    customer: customer.id,
    customer_account: null,
    flow,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: p.str("return_url") ?? null,
    url: `${ctx.options.publicBaseUrl}/p/session/${id}`,
  };
  ctx.store.portalSessions.set(id, session);
  return session;
}

/**
 * `flow_data` deep-links the portal into one flow. Only `payment_method_update` is implemented (the
 * one the product uses, and it needs no further parameters); another type is refused rather than
 * silently opening the homepage. Stripe: "Deep links: flow_data.type payment_method_update".
 */
function portalFlow(data: Params | undefined): Stripe.BillingPortal.Session.Flow | null {
  if (!data) return null;
  const type = data.reqStr("type");
  if (type !== "payment_method_update")
    throw invalidRequest(`The stand-in supports only flow_data[type]=payment_method_update, not ${type}.`, { param: "flow_data[type]" });
  const after = data.obj("after_completion")?.str("type") ?? "portal_homepage";
  if (after !== "portal_homepage")
    throw invalidRequest("The stand-in supports only after_completion[type]=portal_homepage.", { param: "flow_data[after_completion][type]" });
  return {
    type,
    after_completion: { type: after, hosted_confirmation: null, redirect: null },
    customer_update: null,
    subscription_cancel: null,
    subscription_pause: null,
    subscription_update: null,
    subscription_update_confirm: null,
  } as Stripe.BillingPortal.Session.Flow;
}
