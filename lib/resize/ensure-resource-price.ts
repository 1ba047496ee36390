// The Stripe price of one extra resource unit, found by lookup key (`labvps_extra_<kind>_month`),
// created on first use, and replaced (the lookup key transferred) when the operator changes the
// amount: subscriptions on the old price keep it until they are next changed.
import { db } from "@/lib/db";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import type { ResourcePrice } from "@/lib/generated/prisma/client";

export const resourceLookupKey = (kind: string) => `labvps_extra_${kind}_month`;
const productId = (kind: string) => `labvps_extra_${kind}`;
const productName: Record<string, string> = { vcpu: "Extra vCPU", ram_gb: "Extra RAM (GB)", disk_gb: "Extra disk" };

async function ensureProduct(kind: string): Promise<string> {
  const id = productId(kind);
  try {
    return (await stripe().products.retrieve(id)).id;
  } catch (error) {
    if ((error as Stripe.errors.StripeError).statusCode !== 404) throw error;
  }
  try {
    return (await stripe().products.create({ id, name: productName[kind] ?? kind, metadata: { resourceKind: kind } })).id;
  } catch (error) {
    if ((error as Stripe.errors.StripeError).code === "resource_already_exists") return id;
    throw error;
  }
}

export async function ensureResourcePrice(resource: ResourcePrice): Promise<Stripe.Price> {
  const lookupKey = resourceLookupKey(resource.kind);
  const currency = resource.currency.toLowerCase();
  const { data } = await stripe().prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  let price = data.find((p) => p.unit_amount === resource.unitAmountMinor && p.currency === currency && p.recurring?.interval === "month");
  if (!price) {
    price = await stripe().prices.create(
      {
        product: await ensureProduct(resource.kind),
        currency,
        unit_amount: resource.unitAmountMinor,
        recurring: { interval: "month" },
        lookup_key: lookupKey,
        transfer_lookup_key: true,
        metadata: { resourceKind: resource.kind, stepGb: String(resource.stepGb) },
      },
      // Keyed by the row's version too: an operator going 4 → 5 → 4 within Stripe's 24 h key window
      // must get a price holding the lookup key again, not the replayed answer of the first "4".
      { idempotencyKey: `price-${lookupKey}-${currency}-${resource.unitAmountMinor}-${resource.updatedAt.getTime()}` },
    );
  }
  if (resource.stripePriceId !== price.id) await db.resourcePrice.update({ where: { id: resource.id }, data: { stripePriceId: price.id } });
  return price;
}

/** The kind of extra resource a subscription item's price is for, or null (the plan). */
export function resourceKindOf(price: Stripe.Price): string | null {
  return price.metadata?.resourceKind ?? null;
}
