// What a customer does with their own billing: cancel at period end and undo it (Stripe's
// `cancel_at_period_end`, so Stripe stays the authority), open the product's card-update portal
// flow, and read the /billing view and a VM's billing panel. Each VM's subscription is its own
// story, told in its own words (billing-words.ts). Another user's subscription is
// indistinguishable from none (null → 404, I5).
import { z } from "zod";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { isVmHeld } from "@/lib/vm-holds/hold-gate";
import { stripe } from "@/lib/billing/stripe";
import { createCardUpdateSession } from "@/lib/billing/portal-configuration";
import { syncSubscription } from "@/lib/billing/sync-subscription";
import { convergeBilling } from "@/lib/billing-state/reconcile";
import { ladderConfig, ladderTimeline, type TimelineEntry } from "@/lib/billing-state/ladder";
import { KEPT_STATES } from "@/lib/billing-state/billing-state";
import { billingStateLabel, describeBilling } from "@/lib/billing-state/billing-words";
import type { BillingStory } from "@/lib/billing-state/billing-story";
import { upcomingRenewal, type Renewal } from "@/lib/billing-state/renewal-preview";
import { invoiceViews, type InvoiceView } from "@/lib/billing-state/invoice-views";
import type { BillingState } from "@/lib/generated/prisma/client";
import { cancelScheduledDowngrade, findScheduledDowngrade, releaseDowngradeSchedule } from "@/lib/resize/schedule-downgrade";

export { billingStateLabel } from "@/lib/billing-state/billing-words";
export type { InvoiceView } from "@/lib/billing-state/invoice-views";

export const cancelSchema = z.object({
  subscriptionId: z.string().trim().min(1, "Missing subscription.").max(64, "Unknown subscription."),
  cancel: z.enum(["1", "0"], { error: "Choose cancel or keep." }).transform((v) => v === "1"),
});

const ENDED_STATUSES: ReadonlySet<string> = new Set(["canceled", "incomplete_expired"]);

/** The user's own mirror row, or null (404). */
async function ownSubscription(userId: string, subscriptionId: string) {
  return db.subscription.findFirst({ where: { id: subscriptionId, userId }, select: { id: true, stripeSubscriptionId: true, status: true } });
}

/** Sets or clears cancel-at-period-end in Stripe, then converges the mirror and the ladder from a fresh read. */
export async function setCancelAtPeriodEnd(input: { userId: string; subscriptionId: string; cancel: boolean }): Promise<{ cancelAtPeriodEnd: boolean } | null> {
  const own = await ownSubscription(input.userId, input.subscriptionId);
  if (!own) return null;
  // Re-read: the mirror may not have heard yet that the period ended.
  const live = await stripe().subscriptions.retrieve(own.stripeSubscriptionId);
  if (ENDED_STATUSES.has(live.status)) {
    throw new UserFacingError("This subscription has already ended. While its VM's data is kept, you can restore the VM from its page.");
  }
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

export type SubscriptionView = {
  id: string;
  vm: { id: string; name: string; status: string } | null;
  planName: string;
  stripeStatus: string;
  state: BillingState;
  story: BillingStory;
  label: string;
  detail: string | null;
  /** Stripe's upcoming invoice: when and how much (null when it does not renew). */
  renewal: Renewal | null;
  cancelAtPeriodEnd: boolean;
  /** Whether cancel / undo is offered (the subscription still runs). */
  cancellable: boolean;
  /** Open invoices may be paid only in the overdue or live story. */
  payable: boolean;
  invoices: InvoiceView[];
  timeline: TimelineEntry[];
};

/** Every subscription of the user with its VM, story, renewal and invoices (from Stripe), and timeline. */
export async function loadCustomerBilling(userId: string): Promise<SubscriptionView[]> {
  const subs = await db.subscription.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    include: {
      items: { select: { stripePriceId: true, quantity: true } },
      order: { select: { status: true, refundedAt: true, plan: { select: { name: true } }, vm: { select: { id: true, name: true, status: true } } } },
    },
  });
  const rows = await db.billingEnforcement.findMany({ where: { subscriptionId: { in: subs.map((s) => s.id) } } });
  const byId = new Map(rows.map((r) => [r.subscriptionId, r]));
  const config = ladderConfig();
  return Promise.all(
    subs.map(async (s): Promise<SubscriptionView> => {
      const row = byId.get(s.id) ?? null;
      const words = describeBilling(row, s.currentPeriodEnd);
      const ended = ENDED_STATUSES.has(s.status);
      const [renewal, invoices] = await Promise.all([
        ended ? null : upcomingRenewal(s).catch(() => null),
        invoiceViews(s.stripeSubscriptionId, { orderRefunded: s.order.refundedAt !== null }),
      ]);
      return {
        id: s.id,
        vm: s.order.vm,
        planName: s.order.plan.name,
        stripeStatus: s.status,
        state: row?.state ?? "active",
        story: words.story,
        label: words.label,
        detail: words.detail,
        renewal,
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
        cancellable: !ended && (!row || row.state === "active" || row.state === "canceled_at_period_end"),
        payable: words.story !== "ended_by_customer",
        invoices,
        timeline: row ? ladderTimeline(row, config) : [],
      };
    }),
  );
}

/** The VM page's billing panel: its subscription's story in its own words, and what the customer can do. */
export async function loadVmBilling(userId: string, vmId: string) {
  const vm = await db.vm.findFirst({ where: { id: vmId, userId }, select: { orderId: true, status: true } });
  if (!vm) return null;
  const sub = await db.subscription.findUnique({
    where: { orderId: vm.orderId },
    select: { id: true, status: true, cancelAtPeriodEnd: true, currentPeriodEnd: true },
  });
  if (!sub) return null;
  const row = await db.billingEnforcement.findUnique({ where: { subscriptionId: sub.id } });
  const state: BillingState = row?.state ?? "active";
  const words = describeBilling(row, sub.currentPeriodEnd);
  const ended = ENDED_STATUSES.has(sub.status);
  return {
    subscriptionId: sub.id,
    state,
    story: words.story,
    label: words.label,
    detail: words.detail,
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    periodEnd: sub.currentPeriodEnd,
    ended,
    keptUntil: row?.retainUntil ?? null,
    // While its data is kept and its subscription is over, the VM can be bought back (issue 16).
    canRestore:
      ended &&
      !!row &&
      (KEPT_STATES as readonly string[]).includes(row.state) &&
      !row.deletionApprovedAt &&
      (vm.status === "stopped" || vm.status === "running") &&
      // A VM under a hold (a dispute, even lost; a fraud warning; abuse) is not bought back by paying
      // again: the hold's own story decides, and the operator lifts it (issue 25).
      !(await isVmHeld(vmId)),
  };
}

/** For the operator's views: the neutral label. */
export const stateLabel = (state: BillingState) => billingStateLabel[state];
