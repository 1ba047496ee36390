// /v1/billing_portal/configurations, /v1/billing_portal/sessions, /v1/setup_intents (retrieve)
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { noSuch } from "../errors";
import { buildPortalSession } from "../objects/portal";
import { createConfiguration, findConfiguration, listConfigurations, updateConfiguration } from "../portal-config";
import { route } from "./router";

const features = {
  customer_update: { enabled: true, allowed_updates: true },
  invoice_history: { enabled: true },
  payment_method_update: { enabled: true },
  subscription_cancel: { enabled: true, mode: true, proration_behavior: true },
  subscription_pause: { enabled: true },
  subscription_update: { enabled: true, default_allowed_updates: true, proration_behavior: true },
} as const;
const businessProfile = { headline: true, privacy_policy_url: true, terms_of_service_url: true } as const;

export const billingPortalRoutes = [
  route(
    "POST",
    "/v1/billing_portal/configurations",
    accepts<Stripe.BillingPortal.ConfigurationCreateParams>({
      features,
      business_profile: businessProfile,
      default_return_url: true,
      login_page: { enabled: true },
      metadata: true,
      name: true,
    }),
    ({ ctx, params }) => createConfiguration(ctx, params),
  ),
  route(
    "POST",
    "/v1/billing_portal/configurations/:id",
    accepts<Stripe.BillingPortal.ConfigurationUpdateParams>({
      active: true,
      features,
      business_profile: businessProfile,
      default_return_url: true,
      login_page: { enabled: true },
      metadata: true,
      name: true,
    }),
    ({ ctx, params }, id) => updateConfiguration(ctx, findConfiguration(ctx, id, "id"), params),
  ),
  route("GET", "/v1/billing_portal/configurations/:id", accepts<Stripe.BillingPortal.ConfigurationRetrieveParams>({}), ({ ctx }, id) =>
    findConfiguration(ctx, id, "id"),
  ),
  route(
    "GET",
    "/v1/billing_portal/configurations",
    accepts<Stripe.BillingPortal.ConfigurationListParams>({ ...PAGE, active: true, is_default: true }),
    ({ ctx, params }) => listConfigurations(ctx, params),
  ),
  route(
    "POST",
    "/v1/billing_portal/sessions",
    accepts<Stripe.BillingPortal.SessionCreateParams>({
      customer: true,
      configuration: true,
      return_url: true,
      flow_data: { type: true, after_completion: { type: true, redirect: { return_url: true }, hosted_confirmation: { custom_message: true } } },
    }),
    ({ ctx, params }) => buildPortalSession(ctx, params),
  ),
  route("GET", "/v1/setup_intents/:id", accepts<Stripe.SetupIntentRetrieveParams>({ client_secret: true }), ({ ctx }, id) => {
    const setupIntent = ctx.store.setupIntents.get(id);
    if (!setupIntent) throw noSuch("setup_intent", id, "intent");
    return setupIntent;
  }),
];
