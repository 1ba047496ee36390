// Item changes and their prorations, shared by subscription updates and invoice previews so a
// preview with the same `proration_date` prices exactly what the update will charge.
// Stripe's rule: credit the unused part of the old item and charge the remaining part of the new
// one, each prorated to the second over the current period and rounded per line.
import type Stripe from "stripe";
import { invalidRequest, missingParam, noSuch } from "./errors";
import { productName } from "./objects/catalog";
import { currentPeriod } from "./objects/subscription";
import type { Params } from "./params";
import type { ItemChange, LineSpec, SimContext } from "./types";

export function planItemChanges(ctx: SimContext, sub: Stripe.Subscription, items: Params[]): ItemChange[] {
  return items.map((p) => {
    const id = p.str("id");
    const existing = id ? sub.items.data.find((item) => item.id === id) : undefined;
    if (id && !existing) throw noSuch("subscription_item", id, p.name("id"));
    const price = p.str("price") ?? existing?.price.id;
    if (!price) throw missingParam(p.name("price"));
    recurringPriceFor(ctx, sub, price, p.name("price"));
    return { id, price, quantity: p.int("quantity") ?? existing?.quantity ?? 1, deleted: p.bool("deleted") ?? false };
  });
}

export function prorationLines(ctx: SimContext, sub: Stripe.Subscription, changes: ItemChange[], prorationDate: number): LineSpec[] {
  const period = currentPeriod(sub);
  const fraction = Math.min(1, Math.max(0, (period.end - prorationDate) / (period.end - period.start)));
  const when = new Date(prorationDate * 1000).toUTCString().slice(5, 16);
  const lines: LineSpec[] = [];
  const line = (price: Stripe.Price, quantity: number, sign: 1 | -1, item: string | null): LineSpec => ({
    amount: sign * Math.round((price.unit_amount ?? 0) * quantity * fraction),
    description: `${sign < 0 ? "Unused" : "Remaining"} time on ${quantity} × ${productName(ctx, price)} after ${when}`,
    price,
    quantity,
    period: { start: prorationDate, end: period.end },
    proration: true,
    subscriptionItem: item,
  });
  for (const change of changes) {
    const existing = change.id ? sub.items.data.find((item) => item.id === change.id) : undefined;
    const price = ctx.store.price(change.price);
    const unchanged = existing && !change.deleted && existing.price.id === price.id && existing.quantity === change.quantity;
    if (unchanged) continue;
    if (existing) lines.push(line(existing.price, existing.quantity ?? 1, -1, existing.id));
    if (!change.deleted) lines.push(line(price, change.quantity, 1, existing?.id ?? null));
  }
  return lines;
}

/** A price a subscription item may use: it exists, is recurring and is in the subscription's currency (Stripe's own refusals). */
export function recurringPriceFor(ctx: SimContext, sub: Stripe.Subscription, id: string, param: string): Stripe.Price & { recurring: Stripe.Price.Recurring } {
  const price = ctx.store.price(id, param);
  if (!price.recurring) {
    throw invalidRequest("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", { param });
  }
  if (price.currency !== sub.currency) {
    throw invalidRequest(`The price specified has currency ${price.currency}, but the subscription's currency is ${sub.currency}.`, { param });
  }
  return { ...price, recurring: price.recurring };
}
