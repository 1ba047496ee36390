// Clock-driven work, run in time order whenever a clock moves — real time (a tick), or one test
// clock being advanced: checkout expiries, pending-update expiries, scheduled cancellations,
// renewals (entering a subscription schedule's next phase first), smart retries. Only the objects
// on that clock are looked at: advancing one customer's test clock leaves everyone else alone.
// Each item runs with the clock pinned to the moment it fell due, so advancing 3 months renews
// three times with the right dates.
import type Stripe from "stripe";
import { afterFailedCollection, cancelSubscription, collectInvoice, expirePendingUpdate } from "./billing";
import { expireSession } from "./checkout";
import { EventLog } from "./events";
import { buildInvoice, finalizeInvoice, periodLines } from "./objects/invoice";
import { currentPeriod, customerId, isLive, periodEnd, subscriptionIdOf } from "./objects/subscription";
import { realNow } from "./clock";
import { advanceScheduleAtPeriodEnd } from "./schedule-clock";
import { clone } from "./store";
import type { SimContext } from "./types";

interface DueWork {
  at: number;
  run: () => void;
}

/** Runs what fell due on `clock` (null: real time) up to `until` (default: now in real time). */
export function runDueWork(ctx: SimContext, clock: string | null = null, until = realNow()): number {
  let done = 0;
  for (let next = nextDue(ctx, clock, until); next; next = nextDue(ctx, clock, until)) {
    ctx.clock.runAt(next.at, next.run);
    if (++done > 10_000) throw new Error("runaway billing loop");
  }
  return done;
}

function nextDue(ctx: SimContext, clock: string | null, now: number): DueWork | undefined {
  const due: DueWork[] = [];
  for (const session of ctx.store.sessions.onClock(clock)) {
    if (session.status === "open" && session.expires_at <= now) due.push({ at: session.expires_at, run: () => expireSession(ctx, session) });
  }
  for (const sub of ctx.store.subscriptions.onClock(clock)) {
    const pending = sub.pending_update;
    if (pending && pending.expires_at <= now) due.push({ at: pending.expires_at, run: () => expirePendingUpdate(ctx, sub) });
    // Unpaid subscriptions keep renewing: Stripe keeps creating invoices for them, but does not
    // attempt to pay those (docs: subscription statuses, "unpaid").
    if (sub.status !== "active" && sub.status !== "past_due" && sub.status !== "unpaid") continue;
    const end = currentPeriod(sub).end;
    if (sub.cancel_at && sub.cancel_at < end && sub.cancel_at <= now) {
      due.push({ at: sub.cancel_at, run: () => cancelSubscription(ctx, sub, "cancellation_requested") });
    } else if (end <= now) {
      due.push({ at: end, run: () => renewSubscription(ctx, sub) });
    }
  }
  for (const invoice of ctx.store.invoices.onClock(clock)) {
    const finalizes = invoice.automatically_finalizes_at;
    if (invoice.status === "draft" && finalizes !== null && finalizes <= now) due.push({ at: finalizes, run: () => finalizeRenewal(ctx, invoice) });
    const at = invoice.next_payment_attempt;
    if (invoice.status === "open" && at !== null && at <= now) due.push({ at, run: () => retryInvoice(ctx, invoice) });
  }
  return due.sort((a, b) => a.at - b.at)[0];
}

function renewSubscription(ctx: SimContext, sub: Stripe.Subscription) {
  // A schedule's next phase starts here: the renewal below bills that phase's items.
  advanceScheduleAtPeriodEnd(ctx, sub);
  const previousPeriod = currentPeriod(sub);
  if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= previousPeriod.end)) {
    cancelSubscription(ctx, sub, "cancellation_requested");
    return;
  }
  const before = clone(sub);
  for (const item of sub.items.data) {
    item.current_period_start = item.current_period_end;
    item.current_period_end = periodEnd(item.price, item.current_period_start, sub.billing_cycle_anchor);
  }
  const extras = ctx.store.subscriptionExtrasFor(sub.id);
  const lines = [...extras.pendingProrations, ...periodLines(ctx, sub, currentPeriod(sub))];
  extras.pendingProrations = [];
  // A renewal invoice's own period is the one that just ended; its lines cover the new one.
  const customer = ctx.store.customer(customerId(sub));
  const invoice = buildInvoice(ctx, { customer, subscription: sub, reason: "subscription_cycle", lines, period: previousPeriod });
  // A renewal invoice stays a draft for about an hour before Stripe finalizes and charges it
  // (docs: subscription invoices, "finalizes one hour after creation").
  invoice.automatically_finalizes_at = ctx.clock.now() + RENEWAL_DRAFT_SECONDS;
  ctx.store.invoices.set(invoice.id, invoice);
  sub.latest_invoice = invoice.id;
  ctx.events.emit("customer.subscription.updated", sub, EventLog.changes(before, sub));
  ctx.events.emit("invoice.created", invoice);
}

export const RENEWAL_DRAFT_SECONDS = 3_600;

function finalizeRenewal(ctx: SimContext, invoice: Stripe.Invoice) {
  invoice.automatically_finalizes_at = null;
  const subId = subscriptionIdOf(invoice);
  const sub = subId ? ctx.store.subscriptions.get(subId) : undefined;
  if (!sub) return;
  if (sub.status === "unpaid") {
    // Finalized and left open, never attempted: the customer pays it (or an older one) by hand.
    finalizeInvoice(ctx, invoice);
    return;
  }
  if (!isLive(sub)) {
    finalizeInvoice(ctx, invoice);
    return;
  }
  collectAutomatically(ctx, sub, invoice);
}

function retryInvoice(ctx: SimContext, invoice: Stripe.Invoice) {
  const subId = subscriptionIdOf(invoice);
  const sub = subId ? ctx.store.subscriptions.get(subId) : undefined;
  if (!sub || !isLive(sub)) {
    invoice.next_payment_attempt = null;
    return;
  }
  collectAutomatically(ctx, sub, invoice);
}

function collectAutomatically(ctx: SimContext, sub: Stripe.Subscription, invoice: Stripe.Invoice) {
  const result = collectInvoice(ctx, invoice, { offSession: true, autoRetry: true });
  if (!result.ok) afterFailedCollection(ctx, sub, invoice);
}
