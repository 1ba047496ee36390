// `npm run stripe:setup`: creates, once and idempotently, what the product needs in a Stripe account
// before `npm run doctor` can pass: the card-update portal configuration and an active price under
// each lookup key the catalogue sells (every active plan's intervals, every extra resource). Each
// is otherwise made on first use (first card update, first checkout, first resize); running this
// first lets the operator see them in the Dashboard and doctor check them.
import { db } from "@/lib/db";
import { ensurePlanPrice, priceLookupKey } from "@/lib/billing/ensure-plan-price";
import { ensurePortalConfiguration } from "@/lib/billing/portal-configuration";
import { ensureResourcePrice, resourceLookupKey } from "@/lib/resize/ensure-resource-price";
import type { BillingInterval } from "@/lib/generated/prisma/client";

export type StripeSetup = { portalConfiguration: string; prices: Array<{ lookupKey: string; price: string }> };

/** The catalogue's lookup keys: each active plan's month (and year, when sold yearly) and each extra resource. */
export async function catalogueLookupKeys() {
  const plans = await db.plan.findMany({ where: { active: true }, orderBy: [{ sortOrder: "asc" }, { slug: "asc" }] });
  const resources = await db.resourcePrice.findMany({ orderBy: { kind: "asc" } });
  const planKeys = plans.flatMap((plan) =>
    (["month", "year"] as BillingInterval[])
      .filter((interval) => interval === "month" || plan.yearlyPriceMinor !== null)
      .map((interval) => ({ lookupKey: priceLookupKey(plan.slug, interval), plan, interval })),
  );
  const resourceKeys = resources.map((resource) => ({ lookupKey: resourceLookupKey(resource.kind), resource }));
  return { planKeys, resourceKeys };
}

export async function setupStripe(): Promise<StripeSetup> {
  const portalConfiguration = await ensurePortalConfiguration();
  const { planKeys, resourceKeys } = await catalogueLookupKeys();
  const prices: StripeSetup["prices"] = [];
  for (const { lookupKey, plan, interval } of planKeys) prices.push({ lookupKey, price: (await ensurePlanPrice(plan, interval)).id });
  for (const { lookupKey, resource } of resourceKeys) prices.push({ lookupKey, price: (await ensureResourcePrice(resource)).id });
  return { portalConfiguration, prices };
}
