// Step one of a resize: the customer's new totals priced by Stripe. The preview is
// `invoices.createPreview` for exactly the subscription update the request will send, with a
// fixed `proration_date` kept on the quoted row, so the amount shown is the amount charged.
// Nothing is asked of Stripe before the capacity check (never charge for what the node cannot hold).
import { UserFacingError } from "@/lib/actions/form-state";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { nodeHasRoomFor } from "@/lib/capacity/find-node-with-room";
import { ensureResourcePrice, resourceKindOf } from "@/lib/resize/ensure-resource-price";
import { loadResizeContext, resizeRefusal, type ResizeContext } from "@/lib/resize/load-resize-context";
import { extraDemand, extraUnits, isDowngrade, monthlyPrice, type Totals } from "@/lib/resize/resize-pricing";
import { OPEN_RESIZE_STATUSES } from "@/lib/resize/resize-state";
import { assertBillingAllows } from "@/lib/billing-state/gates";

/** A quote older than this must be previewed again (the proration date would be stale). */
export const QUOTE_TTL_MS = 15 * 60_000;
/** Each preview is a Stripe call a customer can trigger: at most this many a minute per user. */
export const QUOTES_PER_MINUTE = 10;

export const NO_ROOM_MESSAGE = "The server your VM runs on has no room for that size right now. Nothing was charged; try a smaller size.";
export const DOWNGRADE_MESSAGE = "Reducing CPU or RAM takes effect at renewal, which is not available yet. Choose at least your current CPU and RAM.";

/** One item of the subscription update, as sent; `expected` is what Stripe's items must then be. */
export type TargetItems = { update: Stripe.SubscriptionUpdateParams.Item[]; expected: Array<{ priceId: string; quantity: number }> };

/** The update's items: the plan item untouched, one item per extra resource (added, re-priced, re-counted or deleted). */
export async function targetItemsFor(ctx: ResizeContext, subscription: Stripe.Subscription, totals: Totals): Promise<TargetItems> {
  const update: Stripe.SubscriptionUpdateParams.Item[] = [];
  const expected: TargetItems["expected"] = [];
  for (const item of subscription.items.data) {
    if (!resourceKindOf(item.price)) expected.push({ priceId: item.price.id, quantity: item.quantity ?? 1 });
  }
  for (const resource of ctx.prices) {
    const quantity = extraUnits(ctx.plan, totals, resource);
    const existing = subscription.items.data.find((item) => resourceKindOf(item.price) === resource.kind);
    if (quantity <= 0) {
      if (existing) update.push({ id: existing.id, deleted: true });
      continue;
    }
    const price = await ensureResourcePrice(await db.resourcePrice.findUniqueOrThrow({ where: { id: resource.id } }));
    update.push(existing ? { id: existing.id, price: price.id, quantity } : { price: price.id, quantity });
    expected.push({ priceId: price.id, quantity });
  }
  return { update, expected };
}

export type ResizeQuote = {
  resizeRequestId: string;
  amountDueMinor: number;
  newMonthlyMinor: number;
  currency: string;
  totals: Totals;
};

/**
 * Prices `totals` for the user's VM and records the quote. null when the VM is not this user's
 * (404); UserFacingError for anything the customer can act on (nothing is written then, I10).
 */
export async function quoteResize(input: { userId: string; vmId: string; totals: Totals; now?: Date }): Promise<ResizeQuote | null> {
  const { userId, vmId, totals } = input;
  const now = input.now ?? new Date();
  const ctx = await loadResizeContext(userId, vmId);
  if (!ctx) return null;
  const refusal = resizeRefusal(ctx);
  if (refusal) throw new UserFacingError(refusal);
  await assertBillingAllows({ userId, vmId, action: "resize" });
  if (isDowngrade(ctx.vm, totals)) throw new UserFacingError(DOWNGRADE_MESSAGE);
  const subscriptionId = ctx.order.stripeSubscriptionId!;
  const open = await db.resizeRequest.findFirst({
    where: { stripeSubscriptionId: subscriptionId, status: { in: [...OPEN_RESIZE_STATUSES] } },
    select: { id: true },
  });
  if (open) throw new UserFacingError("Another resize of this VM is in progress. Wait for it to finish.");
  const recent = await db.resizeRequest.count({ where: { userId, createdAt: { gt: new Date(now.getTime() - 60_000) } } });
  if (recent >= QUOTES_PER_MINUTE) throw new UserFacingError("Too many price checks in a minute. Wait a moment and try again.");
  // Capacity before any Stripe call.
  if (!ctx.vm.nodeName || !(await nodeHasRoomFor(ctx.vm.nodeName, extraDemand(ctx.vm, totals)))) throw new UserFacingError(NO_ROOM_MESSAGE);

  const subscription = await stripe().subscriptions.retrieve(subscriptionId);
  const items = await targetItemsFor(ctx, subscription, totals);
  const prorationDate = Math.floor(now.getTime() / 1000);
  const preview = await stripe().invoices.createPreview({
    customer: typeof subscription.customer === "string" ? subscription.customer : subscription.customer.id,
    subscription: subscriptionId,
    subscription_details: { items: items.update, proration_behavior: "always_invoice", proration_date: prorationDate },
  });
  if (preview.amount_due <= 0) throw new UserFacingError(DOWNGRADE_MESSAGE);
  const newMonthlyMinor = monthlyPrice(ctx.plan, totals, ctx.prices);
  const row = await db.resizeRequest.create({
    data: {
      vmId,
      userId,
      stripeSubscriptionId: subscriptionId,
      fromVcpus: ctx.vm.vcpus,
      fromRamGb: ctx.vm.ramGb,
      fromDiskGb: ctx.vm.diskGb,
      ...totals,
      prorationDate,
      amountDueMinor: preview.amount_due,
      newMonthlyMinor,
      currency: preview.currency,
      targetItems: items as unknown as Prisma.InputJsonValue,
    },
    select: { id: true },
  });
  return { resizeRequestId: row.id, amountDueMinor: preview.amount_due, newMonthlyMinor, currency: preview.currency, totals };
}
