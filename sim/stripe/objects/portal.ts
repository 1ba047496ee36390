import type Stripe from "stripe";
import type { Params } from "../params";
import { newId } from "../store";
import type { SimContext } from "../types";

export function buildPortalSession(ctx: SimContext, p: Params): Stripe.BillingPortal.Session {
  const customer = ctx.store.customer(p.reqStr("customer"));
  const id = newId("bps_1");
  const session: Stripe.BillingPortal.Session = {
    id,
    object: "billing_portal.session",
    configuration: "bpc_sim_default",
    created: ctx.clock.now(),
    customer: customer.id,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: p.str("return_url") ?? null,
    url: `${ctx.options.publicBaseUrl}/p/session/${id}`,
  };
  ctx.store.portalSessions.set(id, session);
  return session;
}
