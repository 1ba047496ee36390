// /v1/tax/settings, /v1/customers/:id/tax_ids (sim/stripe/tax.ts)
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { paginate } from "../list";
import { updateTaxSettings } from "../tax";
import { route } from "./router";

export const taxRoutes = [
  route("GET", "/v1/tax/settings", accepts<Stripe.Tax.SettingsRetrieveParams>({}), ({ ctx }) => ctx.store.taxSettings),
  route(
    "POST",
    "/v1/tax/settings",
    accepts<Stripe.Tax.SettingsUpdateParams>({
      defaults: { tax_behavior: true, tax_code: true },
      head_office: { address: { line1: true, line2: true, city: true, postal_code: true, state: true, country: true } },
    }),
    ({ ctx, params }) => updateTaxSettings(ctx, params),
  ),
  route("GET", "/v1/customers/:id/tax_ids", accepts<Stripe.CustomerListTaxIdsParams>(PAGE), ({ ctx, params }, id) => {
    ctx.store.customer(id, "customer");
    return paginate([...(ctx.store.customerTaxIds.get(id) ?? [])], params, `/v1/customers/${id}/tax_ids`);
  }),
];
