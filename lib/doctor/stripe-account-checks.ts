// Stripe account preflight beyond the key and the webhook endpoint (issue 17): the product's
// card-update portal configuration, and an active price under every lookup key the catalogue
// sells; with STRIPE_AUTOMATIC_TAX, Stripe Tax's settings. Read-only: `npm run stripe:setup` creates
// what is missing (Tax settings are the business's own: set them in the Dashboard).
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { findPortalConfiguration, PORTAL_CONFIGURATION_METADATA, portalConfigurationProblems } from "@/lib/billing/portal-configuration";
import { catalogueLookupKeys } from "@/lib/billing/setup-stripe";
import { planAmount, priceMatches } from "@/lib/billing/ensure-plan-price";
import { type CheckResult, fail, pass } from "@/lib/doctor/check";
import { env } from "@/lib/env";

async function portalConfigurationCheck(): Promise<CheckResult> {
  const configuration = await findPortalConfiguration();
  if (!configuration) {
    return fail("stripe", "portal configuration", `none with metadata labvps=${PORTAL_CONFIGURATION_METADATA.labvps}: run npm run stripe:setup`);
  }
  const problems = portalConfigurationProblems(configuration);
  return problems.length
    ? fail("stripe", "portal configuration", `${configuration.id}: ${problems.join(", ")} (the next card update, or npm run stripe:setup, puts it back)`)
    : pass("stripe", "portal configuration", `${configuration.id}: card update and invoice history only`);
}

/** Active prices by lookup key; Stripe takes at most 10 lookup keys per list call. */
async function activePrices(lookupKeys: string[]): Promise<Map<string, Stripe.Price>> {
  const found = new Map<string, Stripe.Price>();
  for (let i = 0; i < lookupKeys.length; i += 10) {
    const { data } = await stripe().prices.list({ lookup_keys: lookupKeys.slice(i, i + 10), active: true, limit: 100 });
    for (const price of data) if (price.lookup_key) found.set(price.lookup_key, price);
  }
  return found;
}

async function pricesCheck(): Promise<CheckResult> {
  const { planKeys, resourceKeys } = await catalogueLookupKeys();
  const prices = await activePrices([...planKeys, ...resourceKeys].map((k) => k.lookupKey));
  const problems: string[] = [];
  const describe = (p: Stripe.Price) => `${p.unit_amount} ${p.currency}/${p.recurring?.interval ?? "once"}`;
  for (const { lookupKey, plan, interval } of planKeys) {
    const price = prices.get(lookupKey);
    const amount = planAmount(plan, interval);
    if (!price) problems.push(`${lookupKey}: no active price`);
    else if (!priceMatches(price, amount, plan.currency.toLowerCase(), interval))
      problems.push(`${lookupKey}: ${describe(price)}, the plan sells ${amount} ${plan.currency}/${interval}`);
  }
  for (const { lookupKey, resource } of resourceKeys) {
    const price = prices.get(lookupKey);
    if (!price) problems.push(`${lookupKey}: no active price`);
    else if (!priceMatches(price, resource.unitAmountMinor, resource.currency.toLowerCase(), "month")) {
      problems.push(`${lookupKey}: ${describe(price)}, the catalogue sells ${resource.unitAmountMinor} ${resource.currency}/month`);
    }
  }
  const count = planKeys.length + resourceKeys.length;
  return problems.length
    ? fail("stripe", "prices", `${problems.join("; ")} (npm run stripe:setup creates or replaces them)`)
    : pass("stripe", "prices", `${count} lookup keys, each with an active price matching the catalogue`);
}

/**
 * STRIPE_AUTOMATIC_TAX needs Stripe Tax ready: `status: active` (Stripe reports `pending` with
 * `missing_fields: ["head_office"]` until the business's address is set) and a default tax behavior
 * of `exclusive`, which is what our pages promise ("prices exclude tax"); our prices carry none of
 * their own, so the default decides (with none, Stripe cannot tax them).
 */
export function taxSettingsProblems(settings: Stripe.Tax.Settings): string[] {
  const problems: string[] = [];
  if (settings.status !== "active") {
    const missing = settings.status_details.pending?.missing_fields ?? [];
    problems.push(`Stripe Tax is ${settings.status}${missing.length ? ` (missing: ${missing.join(", ")})` : ""}`);
  }
  if (!settings.head_office?.address.country) problems.push("no head office address");
  if (settings.defaults.tax_behavior !== "exclusive") {
    problems.push(`default tax behavior is ${settings.defaults.tax_behavior ?? "unset"}, the pages say prices exclude tax: set it to exclusive`);
  }
  return problems;
}

async function taxCheck(): Promise<CheckResult> {
  const settings = await stripe().tax.settings.retrieve();
  const problems = taxSettingsProblems(settings);
  const office = settings.head_office?.address;
  return problems.length
    ? fail("stripe", "tax", `${problems.join("; ")} (Dashboard → Tax → Settings; STRIPE_AUTOMATIC_TAX=1 needs it)`)
    : pass("stripe", "tax", `Stripe Tax active, head office in ${office?.country}, prices exclusive of tax`);
}

export async function stripeAccountChecks(): Promise<CheckResult[]> {
  return [await portalConfigurationCheck(), await pricesCheck(), ...(env().STRIPE_AUTOMATIC_TAX ? [await taxCheck()] : [])];
}
