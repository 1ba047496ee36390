// Stripe account preflight beyond the key and the webhook endpoint (issue 17): the product's
// card-update portal configuration, and an active price under every lookup key the catalogue
// sells. Read-only: `npm run stripe:setup` creates what is missing.
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { findPortalConfiguration, PORTAL_CONFIGURATION_METADATA, portalConfigurationProblems } from "@/lib/billing/portal-configuration";
import { catalogueLookupKeys } from "@/lib/billing/setup-stripe";
import { planAmount, priceMatches } from "@/lib/billing/ensure-plan-price";
import { type CheckResult, fail, pass } from "@/lib/doctor/check";

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

export async function stripeAccountChecks(): Promise<CheckResult[]> {
  return [await portalConfigurationCheck(), await pricesCheck()];
}
