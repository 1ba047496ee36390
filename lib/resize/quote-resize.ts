// Step one of a resize: the customer's new totals priced by Stripe. The preview is
// `invoices.createPreview` for exactly the subscription update the request will send, with a
// fixed `proration_date` kept on the quoted row, so the amount shown is the amount charged.
// Nothing is asked of Stripe before the capacity check (never charge for what the node cannot hold).
// A downgrade (less CPU or RAM) has nothing due now: it is quoted at the renewal date instead.
import { UserFacingError } from "@/lib/errors";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { nodeHasRoomFor } from "@/lib/capacity/find-node-with-room";
import { ensureResourcePrice, resourceKindOf } from "@/lib/resize/ensure-resource-price";
import { loadResizeContext, resizeRefusal, type ResizeContext } from "@/lib/resize/load-resize-context";
import { extraDemand, extraUnits, isDowngrade, isGrowth, monthlyPrice, type Totals } from "@/lib/resize/resize-pricing";
import { OPEN_RESIZE_STATUSES } from "@/lib/resize/resize-state";
import { assertBillingAllows } from "@/lib/billing-state/gates";

/** A quote older than this must be previewed again (the proration date would be stale). */
export const QUOTE_TTL_MS = 15 * 60_000;
/** Each preview is a Stripe call a customer can trigger: at most this many a minute per user. */
export const QUOTES_PER_MINUTE = 10;

export const NO_ROOM_MESSAGE = "The server your VM runs on has no room for that size right now. Nothing was charged; try a smaller size.";
export const MIXED_MESSAGE =
  "Reducing CPU or RAM takes effect at your next renewal, growing anything takes effect now: change one way at a time (grow first, or reduce first).";
export const SCHEDULED_ALREADY_MESSAGE = "A smaller size is already scheduled for this VM's next renewal. Cancel it first to choose another.";
export const FOREIGN_SCHEDULE_MESSAGE = "This subscription already has a change scheduled by our team. Contact support to change its size.";
const NOTHING_DUE_MESSAGE = "This change costs nothing now. Choose a larger size, or reduce CPU or RAM to change at renewal.";

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
  /** A downgrade's renewal date; null for an upgrade (applied once paid, now). */
  effectiveAt: Date | null;
  /** Stripe Tax's part of `amountDueMinor` (included in it); null when the subscription is not taxed. */
  tax: { amountMinor: number } | null;
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
  const downgrade = isDowngrade(ctx.vm, totals);
  if (downgrade && isGrowth(ctx.vm, totals)) throw new UserFacingError(MIXED_MESSAGE);
  const subscriptionId = ctx.order.stripeSubscriptionId!;
  const open = await db.resizeRequest.findFirst({
    where: { stripeSubscriptionId: subscriptionId, status: { in: [...OPEN_RESIZE_STATUSES] } },
    select: { id: true, status: true },
  });
  // A scheduled downgrade does not block an upgrade: accepting the upgrade withdraws it first.
  if (open && (downgrade || open.status !== "scheduled")) {
    throw new UserFacingError(open.status === "scheduled" ? SCHEDULED_ALREADY_MESSAGE : "Another resize of this VM is in progress. Wait for it to finish.");
  }
  const recent = await db.resizeRequest.count({ where: { userId, createdAt: { gt: new Date(now.getTime() - 60_000) } } });
  if (recent >= QUOTES_PER_MINUTE) throw new UserFacingError("Too many price checks in a minute. Wait a moment and try again.");
  // Capacity before any Stripe call (a downgrade takes no room).
  if (!downgrade && (!ctx.vm.nodeName || !(await nodeHasRoomFor(ctx.vm.nodeName, extraDemand(ctx.vm, totals))))) throw new UserFacingError(NO_ROOM_MESSAGE);

  const subscription = await stripe().subscriptions.retrieve(subscriptionId);
  const items = await targetItemsFor(ctx, subscription, totals);
  // Stripe prorates on the subscription's own clock (the customer's test clock in a rehearsal).
  const prorationDate = Math.floor((input.now ?? (await billingNowForUser(userId))).getTime() / 1000);
  let amountDueMinor = 0;
  let currency = ctx.plan.currency;
  let effectiveAt: Date | null = null;
  let taxMinor = 0;
  let taxed = false;
  if (downgrade) {
    // Nothing is due now; the smaller items start with the next renewal (the current period's end).
    if (subscription.schedule) throw new UserFacingError(FOREIGN_SCHEDULE_MESSAGE);
    effectiveAt = new Date(Math.min(...subscription.items.data.map((item) => item.current_period_end)) * 1000);
  } else {
    const preview = await stripe().invoices.createPreview({
      customer: typeof subscription.customer === "string" ? subscription.customer : subscription.customer.id,
      subscription: subscriptionId,
      // The proration invoice is taxed when the subscription is (it kept Checkout's automatic tax):
      // the preview then asks for the same tax, so the amount quoted is the amount charged.
      ...(subscription.automatic_tax.enabled ? { automatic_tax: { enabled: true } } : {}),
      subscription_details: { items: items.update, proration_behavior: "always_invoice", proration_date: prorationDate },
    });
    if (preview.amount_due <= 0) throw new UserFacingError(NOTHING_DUE_MESSAGE);
    amountDueMinor = preview.amount_due;
    taxMinor = (preview.total_taxes ?? []).reduce((sum, tax) => sum + tax.amount, 0);
    taxed = preview.automatic_tax.enabled;
    currency = preview.currency;
  }
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
      kind: downgrade ? "downgrade" : "upgrade",
      prorationDate,
      amountDueMinor,
      taxMinor: taxed ? taxMinor : null,
      newMonthlyMinor,
      currency,
      effectiveAt,
      targetItems: items as unknown as Prisma.InputJsonValue,
    },
    select: { id: true },
  });
  return { resizeRequestId: row.id, amountDueMinor, newMonthlyMinor, currency, totals, effectiveAt, tax: taxed ? { amountMinor: taxMinor } : null };
}
