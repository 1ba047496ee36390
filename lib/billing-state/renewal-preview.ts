// "Renews on … for …" is what Stripe will charge (I11: what a page says about money is what Stripe
// says): the subscription's upcoming invoice (`invoices.createPreview`), read once per version of
// the subscription — its items, status, schedule, pending update, cancellation, period and latest
// invoice, all of which change what the next invoice holds — and kept in `subscription_previews`.
import { createHash } from "node:crypto";
import { stripe } from "@/lib/billing/stripe";
import { db } from "@/lib/db";

type MirrorRow = {
  id: string;
  stripeSubscriptionId: string;
  stripeCustomerId: string;
  status: string;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  currentPeriodEnd: Date | null;
  latestInvoiceId: string | null;
  scheduleId: string | null;
  pendingUpdate: unknown;
  items: Array<{ stripePriceId: string; quantity: number }>;
};

export type Renewal = { at: Date; amountMinor: number; currency: string };

const RENEWING: ReadonlySet<string> = new Set(["active", "past_due", "unpaid", "trialing"]);

export function subscriptionVersion(row: MirrorRow): string {
  const items = row.items.map((i) => `${i.stripePriceId}×${i.quantity}`).sort();
  const facts = [
    row.status,
    row.cancelAtPeriodEnd,
    row.cancelAt?.toISOString(),
    row.currentPeriodEnd?.toISOString(),
    row.latestInvoiceId,
    row.scheduleId,
    items,
  ];
  return createHash("sha256")
    .update(JSON.stringify([...facts, row.pendingUpdate ?? null]))
    .digest("hex")
    .slice(0, 32);
}

/** The next renewal and its amount from Stripe, or null when the subscription does not renew. */
export async function upcomingRenewal(row: MirrorRow): Promise<Renewal | null> {
  if (!RENEWING.has(row.status) || row.cancelAtPeriodEnd || row.cancelAt || !row.currentPeriodEnd) return null;
  const version = subscriptionVersion(row);
  const cached = await db.subscriptionPreview.findUnique({ where: { subscriptionId: row.id } });
  if (cached?.version === version) return { at: cached.renewsAt, amountMinor: cached.amountMinor, currency: cached.currency };
  const preview = await stripe().invoices.createPreview({ customer: row.stripeCustomerId, subscription: row.stripeSubscriptionId });
  const renewal = { at: row.currentPeriodEnd, amountMinor: preview.amount_due, currency: preview.currency };
  const data = { version, amountMinor: renewal.amountMinor, currency: renewal.currency, renewsAt: renewal.at, readAt: new Date() };
  await db.subscriptionPreview.upsert({ where: { subscriptionId: row.id }, create: { subscriptionId: row.id, ...data }, update: data });
  return renewal;
}
