// Customer portal configurations (`/v1/billing_portal/configurations`): what a portal session may
// offer. A session without `configuration` uses the account's default one (`is_default: true`),
// which here, as an account that turned the portal on in the Dashboard typically has it, lets
// customers update their card, see invoices, update their details, change quantities and cancel
// at period end — the risk issue 17 names. Configurations the API creates are never the default.
// The hosted portal (pages/portal-page.ts) offers exactly what the session's configuration enables.
import type Stripe from "stripe";
import { invalidParam, invalidRequest, missingParam, noSuch } from "./errors";
import { paginate } from "./list";
import type { Params } from "./params";
import { newId } from "./store";
import type { SimContext } from "./types";

type Configuration = Stripe.BillingPortal.Configuration;
type Features = Stripe.BillingPortal.Configuration.Features;

const DISABLED_FEATURES: Features = {
  customer_update: { allowed_updates: [], enabled: false },
  invoice_history: { enabled: false },
  payment_method_update: { enabled: false, payment_method_configuration: null },
  subscription_cancel: {
    cancellation_reason: { enabled: false, feedback_options: null, options: [] },
    enabled: false,
    mode: "at_period_end",
    proration_behavior: "none",
  },
  subscription_pause: { duration: { interval_options: [], type: "indefinite" }, enabled: false },
  subscription_update: {
    billing_cycle_anchor: null,
    default_allowed_updates: [],
    enabled: false,
    products: [],
    proration_behavior: "none",
    schedule_at_period_end: { conditions: [] },
    trial_update_behavior: "end_trial",
  },
};

function build(ctx: SimContext, fields: Partial<Configuration>): Configuration {
  const now = ctx.clock.now();
  const configuration: Configuration = {
    id: newId("bpc_1"),
    object: "billing_portal.configuration",
    active: true,
    application: null,
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
    created: now,
    default_return_url: null,
    features: structuredClone(DISABLED_FEATURES),
    is_default: false,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: {},
    name: null,
    updated: now,
    ...fields,
  };
  ctx.store.portalConfigurations.set(configuration.id, configuration);
  return configuration;
}

/** The account's default configuration, made on first use (and again after a reset). */
export function defaultConfiguration(ctx: SimContext): Configuration {
  const existing = [...ctx.store.portalConfigurations.values()].find((c) => c.is_default);
  if (existing) return existing;
  const features = structuredClone(DISABLED_FEATURES);
  features.customer_update = { allowed_updates: ["email", "name"], enabled: true };
  features.invoice_history.enabled = true;
  features.payment_method_update.enabled = true;
  features.subscription_cancel = { ...features.subscription_cancel, enabled: true, mode: "at_period_end" };
  features.subscription_update = {
    ...features.subscription_update,
    enabled: true,
    default_allowed_updates: ["quantity"],
    proration_behavior: "create_prorations",
  };
  return build(ctx, { is_default: true, features, name: "Default (Dashboard)" });
}

export function findConfiguration(ctx: SimContext, id: string, param = "configuration"): Configuration {
  defaultConfiguration(ctx);
  const configuration = ctx.store.portalConfigurations.get(id);
  if (!configuration) throw noSuch("billing_portal.configuration", id, param);
  return configuration;
}

export function createConfiguration(ctx: SimContext, p: Params): Configuration {
  defaultConfiguration(ctx);
  const features = p.obj("features");
  if (!features) throw missingParam("features");
  const configuration = build(ctx, {});
  applyFields(configuration, p);
  ctx.events.emit("billing_portal.configuration.created", configuration);
  return configuration;
}

export function updateConfiguration(ctx: SimContext, configuration: Configuration, p: Params): Configuration {
  const active = p.bool("active");
  if (active === false && configuration.is_default) throw invalidRequest("You cannot deactivate the default configuration.", { param: "active" });
  if (active !== undefined) configuration.active = active;
  applyFields(configuration, p);
  configuration.updated = ctx.clock.now();
  ctx.events.emit("billing_portal.configuration.updated", configuration);
  return configuration;
}

export function listConfigurations(ctx: SimContext, p: Params) {
  defaultConfiguration(ctx);
  const active = p.bool("active");
  const isDefault = p.bool("is_default");
  const all = [...ctx.store.portalConfigurations.values()].filter(
    (c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault),
  );
  return paginate(all, p, "/v1/billing_portal/configurations");
}

/** Whether the session's configuration lets the customer do `feature` in the portal. */
export function featureEnabled(configuration: Configuration, feature: keyof Features): boolean {
  return configuration.active && configuration.features[feature].enabled === true;
}

function applyFields(configuration: Configuration, p: Params) {
  if (p.has("metadata")) configuration.metadata = p.mergeMetadata(configuration.metadata);
  if (p.has("name")) configuration.name = p.nullableStr("name") ?? null;
  if (p.has("default_return_url")) configuration.default_return_url = p.nullableStr("default_return_url") ?? null;
  const profile = p.obj("business_profile");
  if (profile) {
    for (const key of ["headline", "privacy_policy_url", "terms_of_service_url"] as const) {
      if (profile.has(key)) configuration.business_profile[key] = profile.nullableStr(key) ?? null;
    }
  }
  const login = p.obj("login_page");
  if (login) configuration.login_page = { enabled: login.bool("enabled") ?? false, url: null };
  const features = p.obj("features");
  if (!features) return;
  const f = configuration.features;
  const enabled = (name: keyof Features) => features.obj(name)?.bool("enabled");
  const set = (name: keyof Features, value: boolean | undefined) => {
    if (value !== undefined) f[name].enabled = value;
  };
  set("invoice_history", enabled("invoice_history"));
  set("payment_method_update", enabled("payment_method_update"));
  set("subscription_pause", enabled("subscription_pause"));
  const customer = features.obj("customer_update");
  if (customer) {
    set("customer_update", customer.bool("enabled"));
    if (customer.has("allowed_updates")) f.customer_update.allowed_updates = customer.raw.allowed_updates === "" ? [] : customer.strList("allowed_updates");
  }
  const cancel = features.obj("subscription_cancel");
  if (cancel) {
    set("subscription_cancel", cancel.bool("enabled"));
    f.subscription_cancel.mode = cancel.oneOf("mode", ["at_period_end", "immediately"] as const) ?? f.subscription_cancel.mode;
    f.subscription_cancel.proration_behavior = cancel.oneOf("proration_behavior", PRORATION) ?? f.subscription_cancel.proration_behavior;
  }
  const update = features.obj("subscription_update");
  if (update) {
    set("subscription_update", update.bool("enabled"));
    if (update.has("default_allowed_updates")) {
      const allowed = update.raw.default_allowed_updates === "" ? [] : update.strList("default_allowed_updates");
      const unknown = allowed.find((a) => !["price", "promotion_code", "quantity"].includes(a));
      if (unknown) throw invalidParam("features[subscription_update][default_allowed_updates]", `Invalid default_allowed_updates: ${unknown}`);
      f.subscription_update.default_allowed_updates = allowed as Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.DefaultAllowedUpdate[];
    }
    f.subscription_update.proration_behavior = update.oneOf("proration_behavior", PRORATION) ?? f.subscription_update.proration_behavior;
  }
}

const PRORATION = ["always_invoice", "create_prorations", "none"] as const;
