// The customer portal configuration the product owns (issue 17). A portal session without one uses
// the account's default configuration, which may let the customer switch plans, change quantities
// or cancel — outside resize, capacity and our cancellation path (Stripe: "If not specified, the
// session uses the default configuration"). Ours enables only the card and the invoice history.
// Created once (idempotency key), found again by its metadata, repaired when someone changed it in
// the Dashboard, and its id kept in `stripe_account_objects`. `npm run doctor` reads it the same way.
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe, type Stripe } from "@/lib/billing/stripe";

type Configuration = Stripe.BillingPortal.Configuration;
type FeatureName = keyof Configuration["features"];

const PURPOSE = "portal_configuration:card_update";
/** How the product finds its configuration among the account's (the list API has no filter). */
export const PORTAL_CONFIGURATION_METADATA = { labvps: "card-update" } as const;

/** Every portal feature and whether ours has it: card and invoices on, everything else off. */
export const PORTAL_FEATURES: Record<FeatureName, boolean> = {
  payment_method_update: true,
  invoice_history: true,
  customer_update: false,
  subscription_cancel: false,
  subscription_pause: false,
  subscription_update: false,
};

const featureParams = () =>
  Object.fromEntries(Object.entries(PORTAL_FEATURES).map(([name, enabled]) => [name, { enabled }])) as Stripe.BillingPortal.ConfigurationCreateParams.Features;

export const billingReturnUrl = () => `${env().APP_URL.replace(/\/$/, "")}/billing`;

const isOurs = (c: Configuration) => c.metadata?.labvps === PORTAL_CONFIGURATION_METADATA.labvps;

/** What is wrong with `configuration` for the product's card update, in the operator's words ([] = right). */
export function portalConfigurationProblems(configuration: Configuration): string[] {
  const problems = configuration.active ? [] : ["it is inactive"];
  for (const [name, wanted] of Object.entries(PORTAL_FEATURES) as Array<[FeatureName, boolean]>) {
    if (configuration.features[name].enabled !== wanted) problems.push(`${name} is ${wanted ? "off" : "on"}`);
  }
  return problems;
}

async function retrieveOrNull(id: string): Promise<Configuration | null> {
  try {
    return await stripe().billingPortal.configurations.retrieve(id);
  } catch (error) {
    if ((error as Stripe.errors.StripeError).statusCode === 404) return null;
    throw error;
  }
}

/** The product's configuration as Stripe has it now (the stored id, else found by metadata), or null. Read-only. */
export async function findPortalConfiguration(): Promise<Configuration | null> {
  const stored = await db.stripeAccountObject.findUnique({ where: { purpose: PURPOSE } });
  const byId = stored ? await retrieveOrNull(stored.stripeId) : null;
  if (byId && isOurs(byId)) return byId;
  let inactive: Configuration | null = null;
  for await (const configuration of stripe().billingPortal.configurations.list({ limit: 100 })) {
    if (!isOurs(configuration)) continue;
    if (configuration.active) return configuration;
    inactive ??= configuration;
  }
  return inactive;
}

/** The id of the product's portal configuration: found, repaired if changed, or created once; stored. */
export async function ensurePortalConfiguration(): Promise<string> {
  let configuration = await findPortalConfiguration();
  if (!configuration) {
    configuration = await stripe().billingPortal.configurations.create(
      {
        name: "Lab VPS: update card",
        features: featureParams(),
        business_profile: { headline: "Update the card that pays for your lab VMs." },
        default_return_url: billingReturnUrl(),
        metadata: { ...PORTAL_CONFIGURATION_METADATA },
      },
      // Two first card updates at once make one configuration.
      { idempotencyKey: "labvps-portal-configuration-card-update-v1" },
    );
    await recordAudit({ type: "system" }, "stripe.portal_configuration_created", { type: "stripe", id: configuration.id });
  }
  const problems = portalConfigurationProblems(configuration);
  if (problems.length) {
    // Someone changed it in the Dashboard: put it back before a customer is sent to it.
    configuration = await stripe().billingPortal.configurations.update(configuration.id, { active: true, features: featureParams() });
    await recordAudit({ type: "system" }, "stripe.portal_configuration_repaired", { type: "stripe", id: configuration.id }, { problems });
  }
  await db.stripeAccountObject.upsert({
    where: { purpose: PURPOSE },
    create: { purpose: PURPOSE, stripeId: configuration.id },
    update: { stripeId: configuration.id },
  });
  return configuration.id;
}

/**
 * A portal session that opens on "update payment method" with the product's configuration and
 * comes straight back to /billing when the card is saved (`after_completion: redirect`): the
 * customer never lands on the portal's homepage.
 */
export async function createCardUpdateSession(stripeCustomerId: string): Promise<string> {
  const configuration = await ensurePortalConfiguration();
  const returnUrl = billingReturnUrl();
  const session = await stripe().billingPortal.sessions.create({
    customer: stripeCustomerId,
    configuration,
    return_url: returnUrl,
    flow_data: { type: "payment_method_update", after_completion: { type: "redirect", redirect: { return_url: returnUrl } } },
  });
  return session.url;
}
