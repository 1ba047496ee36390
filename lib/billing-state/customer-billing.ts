// What a customer does with their own billing: cancel at period end and undo it (Stripe's
// `cancel_at_period_end`, so Stripe stays the authority), open the product's card-update portal
// flow, and read the /billing view. Another user's subscription is
// indistinguishable from none (null → 404, I5).
import { z } from "zod";
import { UserFacingError } from "@/lib/actions/form-state";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { createCardUpdateSession } from "@/lib/billing/portal-configuration";
import { owedInvoiceView, type OwedInvoiceView } from "@/lib/billing/payment-problem";
import { syncSubscription } from "@/lib/billing/sync-subscription";
import { convergeBilling } from "@/lib/billing-state/reconcile";
import { ladderConfig, ladderTimeline, type TimelineEntry } from "@/lib/billing-state/ladder";
import type { BillingState } from "@/lib/generated/prisma/client";
import { cancelScheduledDowngrade, findScheduledDowngrade, releaseDowngradeSchedule } from "@/lib/resize/schedule-downgrade";

export const cancelSchema = z.object({
  subscriptionId: z.string().trim().min(1, "Missing subscription.").max(64, "Unknown subscription."),
  cancel: z.enum(["1", "0"], { error: "Choose cancel or keep." }).transform((v) => v === "1"),
});

/** The user's own mirror row, or null (404). */
async function ownSubscription(userId: string, subscriptionId: string) {
  return db.subscription.findFirst({ where: { id: subscriptionId, userId }, select: { id: true, stripeSubscriptionId: true, status: true } });
}

/** Sets or clears cancel-at-period-end in Stripe, then converges the mirror and the ladder from a fresh read. */
export async function setCancelAtPeriodEnd(input: { userId: string; subscriptionId: string; cancel: boolean }): Promise<{ cancelAtPeriodEnd: boolean } | null> {
  const own = await ownSubscription(input.userId, input.subscriptionId);
  if (!own) return null;
  if (own.status === "canceled" || own.status === "incomplete_expired") throw new UserFacingError("This subscription has already ended.");
  const row = await db.billingEnforcement.findUnique({ where: { subscriptionId: own.id }, select: { state: true } });
  if (row && (row.state === "deleted" || row.state === "pending_deletion")) throw new UserFacingError("This subscription has already ended.");
  try {
    // A schedule-managed subscription refuses cancel_at_period_end ("…updating any cancelation
    // behavior directly is not allowed"): a scheduled downgrade's schedule is released first.
    if (input.cancel) await releaseDowngradeBeforeCancel(input.userId, own.stripeSubscriptionId);
    await stripe().subscriptions.update(own.stripeSubscriptionId, { cancel_at_period_end: input.cancel });
  } catch {
    throw new UserFacingError("We couldn't reach our payment provider. Nothing was changed; please try again.");
  }
  await recordAudit({ type: "customer", id: input.userId }, input.cancel ? "billing.cancel_requested" : "billing.cancel_undone", {
    type: "subscription",
    id: own.id,
  });
  // Stripe's customer.subscription.updated will converge the same way; doing it now shows the result at once.
  await syncSubscription(own.stripeSubscriptionId);
  await convergeBilling(own.stripeSubscriptionId);
  return { cancelAtPeriodEnd: input.cancel };
}

/** Withdraws a scheduled downgrade (or, once it took effect, only frees the subscription of its schedule). */
async function releaseDowngradeBeforeCancel(userId: string, stripeSubscriptionId: string) {
  const scheduled = await findScheduledDowngrade(stripeSubscriptionId);
  if (!scheduled) return;
  const outcome = await cancelScheduledDowngrade(scheduled, { type: "customer", id: userId }, "Canceled together with your subscription.");
  if (outcome === "took_effect") await releaseDowngradeSchedule(scheduled);
}

/** The product's card-update portal session (lib/billing/portal-configuration.ts), or null with no customer yet. */
export async function createCardUpdateUrl(userId: string): Promise<string | null> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { stripeCustomerId: true } });
  if (!user?.stripeCustomerId) return null;
  return createCardUpdateSession(user.stripeCustomerId);
}

export type InvoiceView = {
  id: string;
  number: string | null;
  status: string;
  amountDueMinor: number;
  currency: string;
  created: Date;
  hostedUrl: string | null;
} & OwedInvoiceView;
export type SubscriptionView = {
  id: string;
  vm: { id: string; name: string; status: string } | null;
  planName: string;
  stripeStatus: string;
  state: BillingState;
  nextRenewal: Date | null;
  amountMinor: number;
  currency: string;
  cancelAtPeriodEnd: boolean;
  invoices: InvoiceView[];
  timeline: TimelineEntry[];
};

const customerInvoice = async (i: Stripe.Invoice): Promise<InvoiceView> => ({
  id: i.id,
  number: i.number,
  status: i.status ?? "draft",
  amountDueMinor: i.amount_due,
  currency: i.currency,
  created: new Date(i.created * 1000),
  // An uncollectible invoice is still owed and still payable on its hosted page.
  hostedUrl: i.status === "open" || i.status === "uncollectible" ? (i.hosted_invoice_url ?? null) : null,
  ...(await owedInvoiceView(i)),
});

/** Every subscription of the user with its VM, state, invoices (from Stripe) and timeline. */
export async function loadCustomerBilling(userId: string): Promise<SubscriptionView[]> {
  const subs = await db.subscription.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    include: {
      order: { select: { amountMinor: true, currency: true, plan: { select: { name: true } }, vm: { select: { id: true, name: true, status: true } } } },
    },
  });
  const rows = await db.billingEnforcement.findMany({ where: { subscriptionId: { in: subs.map((s) => s.id) } } });
  const byId = new Map(rows.map((r) => [r.subscriptionId, r]));
  const config = ladderConfig();
  return Promise.all(
    subs.map(async (s) => {
      const row = byId.get(s.id);
      const invoices = await stripe()
        .invoices.list({ subscription: s.stripeSubscriptionId, limit: 12 })
        .then((list) => Promise.all(list.data.map(customerInvoice)))
        .catch(() => []);
      return {
        id: s.id,
        vm: s.order.vm,
        planName: s.order.plan.name,
        stripeStatus: s.status,
        state: row?.state ?? "active",
        nextRenewal: s.cancelAtPeriodEnd || s.status === "canceled" ? null : s.currentPeriodEnd,
        amountMinor: s.order.amountMinor,
        currency: s.order.currency,
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
        invoices,
        timeline: row ? ladderTimeline(row, config) : [],
      };
    }),
  );
}

export const billingStateLabel: Record<BillingState, string> = {
  active: "Active",
  canceled_at_period_end: "Cancels at period end",
  past_due: "Payment overdue",
  final_warning: "Payment overdue (final warning)",
  backups_blocked: "Payment overdue: snapshots and backups blocked",
  suspended: "Suspended for billing",
  retained: "Suspended for billing: data kept",
  pending_deletion: "Suspended for billing: scheduled for deletion",
  deleted: "Ended: deleted",
};

/** The VM page's billing panel: its subscription, state and whether it cancels (null when none). */
export async function loadVmBilling(userId: string, vmId: string) {
  const vm = await db.vm.findFirst({ where: { id: vmId, userId }, select: { orderId: true } });
  if (!vm) return null;
  const sub = await db.subscription.findUnique({
    where: { orderId: vm.orderId },
    select: { id: true, status: true, cancelAtPeriodEnd: true, currentPeriodEnd: true },
  });
  if (!sub) return null;
  const row = await db.billingEnforcement.findUnique({ where: { subscriptionId: sub.id }, select: { state: true } });
  const state: BillingState = row?.state ?? "active";
  return {
    subscriptionId: sub.id,
    state,
    label: billingStateLabel[state],
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    periodEnd: sub.currentPeriodEnd,
    ended: sub.status === "canceled",
  };
}
