// The `Subscription` table mirrors Stripe: every signal re-reads the subscription and writes the
// mirror, so duplicated, late or reordered webhooks all converge on Stripe's current state.
// One writer at a time per subscription (inngest/functions/subscription-sync.ts) and, whoever
// writes, a write carrying an older read than the stored one is refused (`writeSubscriptionMirror`).
// This only mirrors; acting on a missed payment is the enforcement ladder's job (I6), not ours.
import type Stripe from "stripe";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { Prisma } from "@/lib/generated/prisma/client";

export interface SubscriptionItemSnapshot {
  id: string;
  priceId: string;
  quantity: number;
  /** Unix seconds. Since API 2025-03-31 periods live on the items, not on the subscription. */
  currentPeriodStart: number;
  currentPeriodEnd: number;
}

/** The parts of a Stripe subscription the product keeps; plain JSON so it can be a step's output. */
export interface SubscriptionSnapshot {
  id: string;
  customerId: string;
  status: Stripe.Subscription.Status;
  /** The first item's price (the plan); every item is in `items`. */
  priceId: string | null;
  items: SubscriptionItemSnapshot[];
  /** The earliest item period (Stripe bills all items of a subscription together). */
  currentPeriodStart: number | null;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  latestInvoiceId: string | null;
  scheduleId: string | null;
  pendingUpdate: { expiresAt: number; items: Array<{ priceId: string; quantity: number }> } | null;
  metadataOrderId: string | null;
}

export function snapshotSubscription(subscription: Stripe.Subscription): SubscriptionSnapshot {
  const items = subscription.items.data.map((item) => ({
    id: item.id,
    priceId: item.price.id,
    quantity: item.quantity ?? 1,
    currentPeriodStart: item.current_period_start,
    currentPeriodEnd: item.current_period_end,
  }));
  const earliest = (key: "currentPeriodStart" | "currentPeriodEnd") => (items.length ? Math.min(...items.map((i) => i[key])) : null);
  const pending = subscription.pending_update;
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer),
    status: subscription.status,
    priceId: items[0]?.priceId ?? null,
    items,
    currentPeriodStart: earliest("currentPeriodStart"),
    currentPeriodEnd: earliest("currentPeriodEnd"),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: subscription.cancel_at,
    latestInvoiceId: subscription.latest_invoice ? idOf(subscription.latest_invoice) : null,
    scheduleId: subscription.schedule ? idOf(subscription.schedule) : null,
    pendingUpdate: pending
      ? { expiresAt: pending.expires_at, items: (pending.subscription_items ?? []).map((i) => ({ priceId: i.price.id, quantity: i.quantity ?? 1 })) }
      : null,
    metadataOrderId: subscription.metadata?.orderId ?? null,
  };
}

/** Stripe fields that may be an id or, when expanded, the object; an unset one stays null. */
export function idOf(value: string | { id: string }): string;
export function idOf(value: string | { id: string } | null | undefined): string | null;
export function idOf(value: string | { id: string } | null | undefined): string | null {
  return value == null ? null : typeof value === "string" ? value : value.id;
}

/** A snapshot and when its read began (ISO), which orders it against other reads. */
export type SubscriptionRead = { snapshot: SubscriptionSnapshot; readAt: string };

/**
 * Reads the subscription from Stripe. `readAt` is taken on the database clock before the request
 * leaves: the read that *starts* last is the one that follows the latest change (every change
 * emits an event whose sync starts after it), whereas a read that merely *ends* last may be a
 * slow, stale one. One clock for every process makes reads from any worker comparable.
 */
export async function readSubscription(stripeSubscriptionId: string): Promise<SubscriptionRead> {
  const [{ now }] = await db.$queryRaw<Array<{ now: Date }>>`SELECT clock_timestamp() AS now`;
  const subscription = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  return { snapshot: snapshotSubscription(subscription), readAt: now.toISOString() };
}

export type SyncResult =
  | { action: "synced"; orderId: string; status: Stripe.Subscription.Status }
  /** The mirror already holds a newer read: this one changed nothing. */
  | { action: "stale"; orderId: string }
  | { action: "unknown-subscription" };

/**
 * Re-reads `stripeSubscriptionId` from Stripe and writes the mirror. A subscription no order has
 * claimed yet is skipped: confirming the checkout links it and syncs it then, so nothing is lost.
 */
export async function syncSubscription(stripeSubscriptionId: string): Promise<SyncResult> {
  const read = await readSubscription(stripeSubscriptionId);
  const order = await db.order.findUnique({ where: { stripeSubscriptionId }, select: { id: true, userId: true } });
  if (!order) return { action: "unknown-subscription" };
  const written = await writeSubscriptionMirror(read, order);
  return written ? { action: "synced", orderId: order.id, status: read.snapshot.status } : { action: "stale", orderId: order.id };
}

/**
 * Writes the mirror and its items in one transaction, only if no newer read is stored. The
 * conditional update holds the row lock until commit, so a concurrent writer waits and then
 * re-checks against what this one stored. Returns false when the stored read is newer.
 */
export async function writeSubscriptionMirror({ snapshot, readAt }: SubscriptionRead, order: { id: string; userId: string }): Promise<boolean> {
  const at = new Date(readAt);
  const date = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000));
  const fields = {
    stripeCustomerId: snapshot.customerId,
    status: snapshot.status,
    stripePriceId: snapshot.priceId,
    currentPeriodStart: date(snapshot.currentPeriodStart),
    currentPeriodEnd: date(snapshot.currentPeriodEnd),
    cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
    cancelAt: date(snapshot.cancelAt),
    latestInvoiceId: snapshot.latestInvoiceId,
    scheduleId: snapshot.scheduleId,
    pendingUpdate: snapshot.pendingUpdate ?? Prisma.DbNull,
    stripeReadAt: at,
  };
  const attempt = () =>
    db.$transaction(async (tx) => {
      const { count } = await tx.subscription.updateMany({
        where: { stripeSubscriptionId: snapshot.id, OR: [{ stripeReadAt: null }, { stripeReadAt: { lt: at } }] },
        data: fields,
      });
      if (count === 0) {
        if (await tx.subscription.findUnique({ where: { stripeSubscriptionId: snapshot.id }, select: { id: true } })) return false;
        await tx.subscription.create({ data: { stripeSubscriptionId: snapshot.id, orderId: order.id, userId: order.userId, ...fields } });
      }
      const { id } = await tx.subscription.findUniqueOrThrow({ where: { stripeSubscriptionId: snapshot.id }, select: { id: true } });
      await tx.subscriptionItem.deleteMany({ where: { subscriptionId: id, stripeItemId: { notIn: snapshot.items.map((i) => i.id) } } });
      for (const item of snapshot.items) {
        const data = {
          stripePriceId: item.priceId,
          quantity: item.quantity,
          currentPeriodStart: new Date(item.currentPeriodStart * 1000),
          currentPeriodEnd: new Date(item.currentPeriodEnd * 1000),
        };
        await tx.subscriptionItem.upsert({ where: { stripeItemId: item.id }, create: { subscriptionId: id, stripeItemId: item.id, ...data }, update: data });
      }
      return true;
    });
  try {
    return await attempt();
  } catch (error) {
    // Two first writes raced to create the row: the loser now finds it and takes the update path.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return attempt();
    throw error;
  }
}

/** Invoice signals name an invoice; the subscription behind it is what gets re-synced. */
export async function findInvoiceSubscriptionId(invoiceId: string): Promise<string | null> {
  const invoice = await stripe().invoices.retrieve(invoiceId);
  const subscription = invoice.parent?.subscription_details?.subscription;
  return subscription ? idOf(subscription) : null;
}
