// The Stripe price behind a plan and interval, found by lookup key (`labvps_<slug>_<interval>`) so
// the catalogue in our database stays the source of truth and no price id has to be configured by
// hand. A price whose amount no longer matches the plan is replaced: the new one takes the lookup
// key over (`transfer_lookup_key`), subscriptions on the old one keep their old price.
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import type { BillingInterval, Plan } from "@/lib/generated/prisma/client";
import { stripe, type Stripe } from "@/lib/billing/stripe";

export type PricedPlan = Pick<
  Plan,
  "id" | "slug" | "name" | "monthlyPriceMinor" | "yearlyPriceMinor" | "currency" | "stripeMonthlyPriceId" | "stripeYearlyPriceId"
>;

export const priceLookupKey = (slug: string, interval: BillingInterval) => `labvps_${slug}_${interval}`;
export const productIdFor = (slug: string) => `labvps_${slug}`;

/** The plan's price for `interval` in minor units; a FieldError when the plan is not sold that way. */
export function planAmount(plan: Pick<PricedPlan, "monthlyPriceMinor" | "yearlyPriceMinor">, interval: BillingInterval): number {
  if (interval === "month") return plan.monthlyPriceMinor;
  if (plan.yearlyPriceMinor === null) throw new FieldError("interval", "This plan is sold monthly only.");
  return plan.yearlyPriceMinor;
}

/** Whether `price` is what the catalogue sells at `amount` per `interval` (doctor checks the same). */
export function priceMatches(price: Stripe.Price, amount: number, currency: string, interval: BillingInterval): boolean {
  return (
    price.active &&
    price.unit_amount === amount &&
    price.currency === currency &&
    price.recurring?.interval === interval &&
    price.recurring.interval_count === 1
  );
}

/** The product for a plan: a fixed id per slug, so racing first checkouts cannot make two. */
async function ensureProduct(plan: PricedPlan): Promise<string> {
  const id = productIdFor(plan.slug);
  try {
    return (await stripe().products.retrieve(id)).id;
  } catch (error) {
    if (!(error instanceof Error && (error as Stripe.errors.StripeError).statusCode === 404)) throw error;
  }
  try {
    return (await stripe().products.create({ id, name: plan.name, metadata: { planId: plan.id, planSlug: plan.slug } })).id;
  } catch (error) {
    if ((error as Stripe.errors.StripeError).code === "resource_already_exists") return id;
    throw error;
  }
}

/** The active Stripe price for `plan` at `interval`, created on first use; its id is kept on the plan. */
export async function ensurePlanPrice(plan: PricedPlan, interval: BillingInterval): Promise<Stripe.Price> {
  const amount = planAmount(plan, interval);
  const currency = plan.currency.toLowerCase();
  const lookupKey = priceLookupKey(plan.slug, interval);
  const { data } = await stripe().prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  let price = data.find((p) => priceMatches(p, amount, currency, interval));
  if (!price) {
    const existing = data[0]?.product;
    const product = existing ? (typeof existing === "string" ? existing : existing.id) : await ensureProduct(plan);
    price = await stripe().prices.create(
      {
        product,
        currency,
        unit_amount: amount,
        recurring: { interval },
        lookup_key: lookupKey,
        transfer_lookup_key: true,
        metadata: { planId: plan.id, planSlug: plan.slug },
      },
      // Two first checkouts at once create one price; the amount in the key makes a price change a new request.
      { idempotencyKey: `price-${lookupKey}-${currency}-${amount}` },
    );
  }
  const stored = interval === "month" ? plan.stripeMonthlyPriceId : plan.stripeYearlyPriceId;
  if (stored !== price.id) {
    await db.plan.update({ where: { id: plan.id }, data: interval === "month" ? { stripeMonthlyPriceId: price.id } : { stripeYearlyPriceId: price.id } });
  }
  return price;
}
