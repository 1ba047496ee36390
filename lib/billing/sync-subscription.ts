// The `Subscription` table mirrors Stripe: every signal re-reads the subscription and overwrites
// the mirror, so duplicated, late or reordered webhooks all converge on Stripe's current state.
// This only mirrors; acting on a missed payment is the enforcement ladder's job (I6), not ours.
import type Stripe from "stripe";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";

/** The parts of a Stripe subscription the product keeps; plain JSON so it can be a step's output. */
export interface SubscriptionSnapshot {
  id: string;
  customerId: string;
  status: Stripe.Subscription.Status;
  priceId: string | null;
  /** Unix seconds. Since API 2025-03-31 periods live on the items, not on the subscription. */
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  metadataOrderId: string | null;
}

export function snapshotSubscription(subscription: Stripe.Subscription): SubscriptionSnapshot {
  const item = subscription.items.data[0];
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer),
    status: subscription.status,
    priceId: item?.price.id ?? null,
    currentPeriodEnd: item?.current_period_end ?? null,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    metadataOrderId: subscription.metadata?.orderId ?? null,
  };
}

/** Stripe fields that may be an id or, when expanded, the object. */
export function idOf(value: string | { id: string }): string {
  return typeof value === "string" ? value : value.id;
}

export type SyncResult =
  | { action: "synced"; orderId: string; status: Stripe.Subscription.Status }
  | { action: "unknown-subscription" };

/**
 * Re-reads `stripeSubscriptionId` from Stripe and writes the mirror. A subscription no order has
 * claimed yet is skipped: confirming the checkout links it and syncs it then, so nothing is lost.
 */
export async function syncSubscription(stripeSubscriptionId: string): Promise<SyncResult> {
  const subscription = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  const snapshot = snapshotSubscription(subscription);
  const order = await db.order.findUnique({ where: { stripeSubscriptionId }, select: { id: true, userId: true } });
  if (!order) return { action: "unknown-subscription" };
  await upsertSubscriptionMirror(snapshot, order);
  return { action: "synced", orderId: order.id, status: snapshot.status };
}

export async function upsertSubscriptionMirror(snapshot: SubscriptionSnapshot, order: { id: string; userId: string }) {
  const fields = {
    stripeCustomerId: snapshot.customerId,
    status: snapshot.status,
    stripePriceId: snapshot.priceId,
    currentPeriodEnd: snapshot.currentPeriodEnd === null ? null : new Date(snapshot.currentPeriodEnd * 1000),
    cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
  };
  await db.subscription.upsert({
    where: { stripeSubscriptionId: snapshot.id },
    create: { stripeSubscriptionId: snapshot.id, orderId: order.id, userId: order.userId, ...fields },
    update: fields,
  });
}

/** Invoice signals name an invoice; the subscription behind it is what gets re-synced. */
export async function findInvoiceSubscriptionId(invoiceId: string): Promise<string | null> {
  const invoice = await stripe().invoices.retrieve(invoiceId);
  const subscription = invoice.parent?.subscription_details?.subscription;
  return subscription ? idOf(subscription) : null;
}
