import type Stripe from "stripe";
import { invalidParam, invalidRequest, missingParam } from "../errors";
import type { Params } from "../params";
import { newId } from "../store";
import type { SimContext } from "../types";

/**
 * The API sends decimal fields (`unit_amount_decimal`, `quantity_decimal`) as strings; stripe-node
 * turns them into its Decimal class on the way in, so the wire value is typed as the SDK's type.
 */
export function wireDecimal(value: number): Stripe.Decimal {
  return String(value) as unknown as Stripe.Decimal;
}

const INTERVALS = ["day", "week", "month", "year"] as const;

export function createProduct(ctx: SimContext, p: Params): Stripe.Product {
  const now = ctx.clock.now();
  const product: Stripe.Product = {
    id: p.str("id") ?? newId("prod_", 14),
    object: "product",
    active: p.bool("active") ?? true,
    created: now,
    default_price: null,
    description: p.str("description") ?? null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: p.mergeMetadata({}),
    name: p.reqStr("name"),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: now,
    url: null,
  };
  if (ctx.store.products.has(product.id)) {
    throw invalidRequest(`Product already exists.`, { param: "id", code: "resource_already_exists" });
  }
  ctx.store.products.set(product.id, product);
  ctx.events.emit("product.created", product);
  return product;
}

export function updateProduct(ctx: SimContext, product: Stripe.Product, p: Params): Stripe.Product {
  ctx.events.update("product.updated", product, () => {
    if (p.has("name")) product.name = p.reqStr("name");
    if (p.has("description")) product.description = p.nullableStr("description") ?? null;
    if (p.has("active")) product.active = p.bool("active") ?? product.active;
    if (p.has("metadata")) product.metadata = p.mergeMetadata(product.metadata);
    product.updated = ctx.clock.now();
  });
  return product;
}

export function createPrice(ctx: SimContext, p: Params): Stripe.Price {
  const currency = p.reqStr("currency").toLowerCase();
  const unitAmount = p.reqInt("unit_amount");
  if (unitAmount < 0) throw invalidParam("unit_amount", "Invalid unit_amount: must be at least 0");
  const product = resolveProduct(ctx, p);
  const recurring = p.obj("recurring");
  const id = newId("price_1");
  claimLookupKey(ctx, id, p);
  const price: Stripe.Price = {
    id,
    object: "price",
    active: p.bool("active") ?? true,
    billing_scheme: "per_unit",
    created: ctx.clock.now(),
    currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: p.str("lookup_key") ?? null,
    metadata: p.mergeMetadata({}),
    nickname: p.str("nickname") ?? null,
    product: product.id,
    recurring: recurring
      ? {
          interval: recurring.reqOneOf("interval", INTERVALS),
          interval_count: recurring.int("interval_count") ?? 1,
          meter: null,
          trial_period_days: null,
          usage_type: "licensed",
        }
      : null,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? "recurring" : "one_time",
    unit_amount: unitAmount,
    unit_amount_decimal: wireDecimal(unitAmount),
  };
  ctx.store.prices.set(price.id, price);
  ctx.events.emit("price.created", price);
  return price;
}

export function updatePrice(ctx: SimContext, price: Stripe.Price, p: Params): Stripe.Price {
  if (p.has("lookup_key")) claimLookupKey(ctx, price.id, p);
  ctx.events.update("price.updated", price, () => {
    if (p.has("active")) price.active = p.bool("active") ?? price.active;
    if (p.has("nickname")) price.nickname = p.nullableStr("nickname") ?? null;
    if (p.has("lookup_key")) price.lookup_key = p.nullableStr("lookup_key") ?? null;
    if (p.has("metadata")) price.metadata = p.mergeMetadata(price.metadata);
  });
  return price;
}

function resolveProduct(ctx: SimContext, p: Params): Stripe.Product {
  const productId = p.str("product");
  if (productId) return ctx.store.product(productId);
  const data = p.obj("product_data");
  if (!data) throw missingParam("product");
  return createProduct(ctx, data);
}

/** A lookup key belongs to one price; `transfer_lookup_key` moves it from its current owner. */
function claimLookupKey(ctx: SimContext, priceId: string, p: Params) {
  const key = p.nullableStr("lookup_key");
  if (!key) return;
  const owner = [...ctx.store.prices.values()].find((price) => price.lookup_key === key && price.id !== priceId);
  if (!owner) return;
  if (!p.bool("transfer_lookup_key")) {
    throw invalidRequest(
      `A price (\`${owner.id}\`) already uses that lookup key. If you want to transfer the lookup key to this price, set \`transfer_lookup_key\` to \`true\`.`,
      { param: "lookup_key" },
    );
  }
  ctx.events.update("price.updated", owner, () => (owner.lookup_key = null));
}

/** The legacy `plan` view of a price that subscription items still carry. */
export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? "month",
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  };
}

export function productName(ctx: SimContext, price: Stripe.Price): string {
  const id = typeof price.product === "string" ? price.product : price.product.id;
  return ctx.store.products.get(id)?.name ?? id;
}
