// Money owed, for the banner on the dashboard and the VM page (issue 21): per overdue
// subscription, what Stripe says is owed (its open or uncollectible renewal invoices, I11), the
// hosted invoice page to pay it on, and the next step of the ladder with its date (I6). Each VM
// has its own story (I12): the VM page asks for its own subscription only.
import { db } from "@/lib/db";
import { listOwedRenewals } from "@/lib/billing-state/owed";
import { ladderConfig, ladderTimeline } from "@/lib/billing-state/ladder";

export type MoneyOwed = {
  subscriptionId: string;
  vm: { id: string; name: string } | null;
  /** What Stripe says is still owed; null when Stripe could not be asked just now. */
  amountMinor: number | null;
  currency: string | null;
  /** The oldest owed invoice's hosted page (Stripe's), or null: then the Billing page. */
  payUrl: string | null;
  nextStep: { step: string; at: Date } | null;
};

/** The user's overdue subscriptions (or only `vmId`'s), oldest debt first. */
export async function loadMoneyOwed(userId: string, opts: { vmId?: string } = {}): Promise<MoneyOwed[]> {
  const vm = opts.vmId ? await db.vm.findFirst({ where: { id: opts.vmId, userId }, select: { orderId: true } }) : null;
  if (opts.vmId && !vm) return [];
  const rows = await db.billingEnforcement.findMany({
    where: { userId, overdueSince: { not: null }, state: { not: "deleted" }, ...(vm ? { orderId: vm.orderId } : {}) },
    orderBy: { overdueSince: "asc" },
  });
  if (!rows.length) return [];
  const vms = await db.vm.findMany({ where: { orderId: { in: rows.map((r) => r.orderId) }, userId }, select: { id: true, name: true, orderId: true } });
  const config = ladderConfig();
  const owed = await Promise.all(
    rows.map(async (row): Promise<MoneyOwed | null> => {
      const invoices = await listOwedRenewals(row.stripeSubscriptionId).catch(() => null);
      // Stripe says nothing is owed (paid a moment ago, our row not yet converged): no banner.
      if (invoices && invoices.length === 0) return null;
      const next = ladderTimeline(row, config).find((e) => !e.done && e.at);
      return {
        subscriptionId: row.subscriptionId,
        vm: vms.find((v) => v.orderId === row.orderId) ?? null,
        amountMinor: invoices ? invoices.reduce((sum, i) => sum + i.amount_remaining, 0) : null,
        currency: invoices?.[0]?.currency ?? null,
        payUrl: invoices?.[0]?.hosted_invoice_url ?? null,
        nextStep: next?.at ? { step: next.step, at: next.at } : null,
      };
    }),
  );
  return owed.filter((o): o is MoneyOwed => o !== null);
}
