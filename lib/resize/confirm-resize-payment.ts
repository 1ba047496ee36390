// Whether a resize is paid, decided only by a fresh read from Stripe (I1): the subscription's
// items equal the request's target, it has no `pending_update`, and the request's own invoice is
// `paid`. Called right after the update and on every subscription signal (the mirror run), so
// duplicated, late or reordered webhooks all converge on one transition and one apply run (I3).
import { idOf } from "@/lib/billing/sync-subscription";
import { recordAudit } from "@/lib/audit/record-audit";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { paymentProblemOf } from "@/lib/billing/payment-problem";
import { db } from "@/lib/db";
import type { ResizeRequest, ResizeStatus } from "@/lib/generated/prisma/client";
import type { TargetItems } from "@/lib/resize/quote-resize";
import { transitionResize } from "@/lib/resize/resize-state";
import { releaseDowngradeSchedule, scheduleDowngrade } from "@/lib/resize/schedule-downgrade";
import { inngest } from "@/lib/jobs/client";
import { resizeApplyRequested } from "@/lib/jobs/events";

export type ResizePaymentState = { resizeRequestId: string; status: ResizeStatus; customerMessage: string | null; hostedInvoiceUrl: string | null };

/** Why it is unpaid (Stripe's card message, or 3-D Secure), then what it means and what to do. */
export const unpaidMessage = (problem: string | null) =>
  `${problem ?? "The payment didn't go through."} Your VM is unchanged. Pay the invoice to apply the resize; unpaid, it lapses within 23 hours.`;
const EXPIRED_MESSAGE = "The payment was not completed in time, so the resize lapsed. Nothing was charged or changed.";

/** An open request with no invoice at Stripe after this long never reached Stripe. */
export const UPDATE_LOST_AFTER_MS = 30 * 60_000;

/** Stripe's items, as a multiset of price × quantity, equal the target's. */
export function itemsMatch(subscription: Pick<Stripe.Subscription, "items">, expected: TargetItems["expected"]): boolean {
  const key = (priceId: string, quantity: number) => `${priceId}×${quantity}`;
  const actual = subscription.items.data.map((i) => key(i.price.id, i.quantity ?? 1)).sort();
  const wanted = expected.map((i) => key(i.priceId, i.quantity)).sort();
  return actual.length === wanted.length && actual.every((k, n) => k === wanted[n]);
}

async function sendApply(request: { id: string; vmId: string; applyAttempt: number }) {
  await inngest.send(resizeApplyRequested.once({ resizeRequestId: request.id, vmId: request.vmId, attempt: request.applyAttempt }));
}

function stateOf(row: { id: string; status: ResizeStatus; customerMessage: string | null; hostedInvoiceUrl: string | null }): ResizePaymentState {
  return { resizeRequestId: row.id, status: row.status, customerMessage: row.customerMessage, hostedInvoiceUrl: row.hostedInvoiceUrl };
}

/** Re-reads Stripe for the request and moves it (paid → apply queued; lapsed → expired). */
export async function confirmResizePayment(resizeRequestId: string): Promise<ResizePaymentState> {
  const request = await db.resizeRequest.findUniqueOrThrow({ where: { id: resizeRequestId } });
  if (request.status === "paid") {
    // Paid but maybe never queued (a crash between the two): the event id makes a resend harmless.
    await sendApply(request);
    return stateOf(request);
  }
  if (request.kind === "downgrade") return request.status === "scheduled" ? confirmDowngrade(request) : stateOf(request);
  if (request.status !== "awaiting_payment") return stateOf(request);

  const subscription = await stripe().subscriptions.retrieve(request.stripeSubscriptionId);
  // The update's invoice: stored after the update, else the subscription's latest (the update's own,
  // when the update answer was lost) if it is for this request.
  const invoiceId =
    request.stripeInvoiceId ??
    (subscription.metadata?.resizeRequestId === request.id || subscription.pending_update ? idOf(subscription.latest_invoice) : null);
  if (!invoiceId) {
    // The update never reached Stripe (its answer was lost and Stripe shows nothing of it): after
    // the update's idempotency window of doubt, release the subscription for another resize.
    if (Date.now() - request.updatedAt.getTime() > UPDATE_LOST_AFTER_MS) {
      await transitionResize(request.id, "awaiting_payment", "canceled", {
        finishedAt: new Date(),
        failureReason: "the subscription update left no trace at Stripe",
        customerMessage: "We couldn't reach our payment provider. Nothing was charged or changed; you can try again.",
      });
      return stateOf(await db.resizeRequest.findUniqueOrThrow({ where: { id: request.id } }));
    }
    return stateOf(request);
  }
  const invoice = await stripe().invoices.retrieve(invoiceId);
  const target = request.targetItems as unknown as TargetItems;
  const now = new Date();

  if (invoice.status === "paid" && !subscription.pending_update && itemsMatch(subscription, target.expected)) {
    const moved = await transitionResize(request.id, "awaiting_payment", "paid", {
      paidAt: now,
      stripeInvoiceId: invoice.id,
      hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
      customerMessage: null,
    });
    if (moved) {
      await recordAudit(
        { type: "stripe" },
        "vm.resize_paid",
        { type: "vm", id: request.vmId },
        { resizeRequestId: request.id, invoiceId: invoice.id, amountPaid: invoice.amount_paid },
      );
    }
    const paid = await db.resizeRequest.findUniqueOrThrow({ where: { id: request.id } });
    if (paid.status === "paid") await sendApply(paid);
    return stateOf(paid);
  }
  if (invoice.status === "void" || (invoice.status !== "paid" && !subscription.pending_update)) {
    // Stripe dropped the pending update (pending_update_expired) and voided its invoice.
    if (await transitionResize(request.id, "awaiting_payment", "expired", { finishedAt: now, customerMessage: EXPIRED_MESSAGE })) {
      await recordAudit({ type: "stripe" }, "vm.resize_expired", { type: "vm", id: request.vmId }, { resizeRequestId: request.id, invoiceId: invoice.id });
    }
    return stateOf(await db.resizeRequest.findUniqueOrThrow({ where: { id: request.id } }));
  }
  if (invoice.status === "open") {
    const updated = await db.resizeRequest.update({
      where: { id: request.id },
      data: {
        stripeInvoiceId: invoice.id,
        hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
        customerMessage: unpaidMessage(await paymentProblemOf(invoice.id).catch(() => null)),
      },
    });
    return stateOf(updated);
  }
  return stateOf(request);
}

export const renewalUnpaidMessage = (problem: string | null) =>
  `${problem ?? "Your renewal at the smaller size is not paid yet."} The smaller size is applied to your VM once the renewal is paid; until then it keeps its current size.`;
const ENDED_MESSAGE = "Your subscription ended before the smaller size took effect, so nothing was changed.";
const WITHDRAWN_MESSAGE = "The scheduled change was withdrawn before your renewal. Your VM keeps its size and price.";

/**
 * A scheduled downgrade is paid when Stripe has switched the subscription to the target items at
 * the renewal and that renewal's invoice is paid. Until then the VM keeps its size (I1).
 */
async function confirmDowngrade(request: ResizeRequest): Promise<ResizePaymentState> {
  if (!request.stripeScheduleId) {
    // The schedule was never recorded (a lost answer, a crash): make or adopt it now. A transient
    // Stripe error leaves the request as it is for the next signal or the sweeper.
    await scheduleDowngrade(request).catch(() => undefined);
    request = await db.resizeRequest.findUniqueOrThrow({ where: { id: request.id } });
    if (request.status !== "scheduled" || !request.stripeScheduleId) return stateOf(request);
  }
  const subscription = await stripe().subscriptions.retrieve(request.stripeSubscriptionId);
  const target = request.targetItems as unknown as TargetItems;
  const now = new Date();
  if (subscription.status === "canceled" || subscription.status === "incomplete_expired") {
    if (await transitionResize(request.id, "scheduled", "expired", { finishedAt: now, customerMessage: ENDED_MESSAGE })) {
      await recordAudit(
        { type: "stripe" },
        "vm.resize_expired",
        { type: "vm", id: request.vmId },
        { resizeRequestId: request.id, subscription: subscription.status },
      );
    }
    return stateOf(await db.resizeRequest.findUniqueOrThrow({ where: { id: request.id } }));
  }
  if (!itemsMatch(subscription, target.expected)) {
    // Not switched yet. If the schedule is gone too, someone released or canceled it at Stripe.
    if (idOf(subscription.schedule) !== request.stripeScheduleId) {
      await transitionResize(request.id, "scheduled", "canceled", {
        finishedAt: now,
        failureReason: "the subscription schedule was released or canceled at Stripe before the renewal",
        customerMessage: WITHDRAWN_MESSAGE,
      });
      return stateOf(await db.resizeRequest.findUniqueOrThrow({ where: { id: request.id } }));
    }
    return stateOf(request);
  }
  const renewal = await renewalInvoiceOf(subscription.id, request.effectiveAt);
  if (renewal?.status !== "paid") {
    if (renewal && renewal.status === "open") {
      const message = renewalUnpaidMessage(await paymentProblemOf(renewal.id).catch(() => null));
      if (request.customerMessage !== message) request = await db.resizeRequest.update({ where: { id: request.id }, data: { customerMessage: message } });
    }
    return stateOf(request);
  }
  await releaseDowngradeSchedule(request);
  const moved = await transitionResize(request.id, "scheduled", "paid", { paidAt: now, stripeInvoiceId: renewal.id, customerMessage: null });
  if (moved) {
    await recordAudit(
      { type: "stripe" },
      "vm.resize_paid",
      { type: "vm", id: request.vmId },
      { resizeRequestId: request.id, invoiceId: renewal.id, amountPaid: renewal.amount_paid, kind: "downgrade" },
    );
  }
  const paid = await db.resizeRequest.findUniqueOrThrow({ where: { id: request.id } });
  if (paid.status === "paid") await sendApply(paid);
  return stateOf(paid);
}

/** The renewal invoice that opened the period the downgrade took effect in (its own period ends there). */
async function renewalInvoiceOf(subscriptionId: string, effectiveAt: Date | null): Promise<Stripe.Invoice | null> {
  if (!effectiveAt) return null;
  const boundary = Math.floor(effectiveAt.getTime() / 1000);
  const invoices = await stripe().invoices.list({ subscription: subscriptionId, limit: 20 });
  const renewals = invoices.data.filter((invoice) => invoice.billing_reason === "subscription_cycle" && invoice.period_end >= boundary);
  return renewals.sort((a, b) => a.period_end - b.period_end)[0] ?? null;
}

/** The mirror run's hook: settles the subscription's open resize, if any, from Stripe. */
export async function confirmOpenResizeOf(stripeSubscriptionId: string): Promise<ResizePaymentState | null> {
  const open = await db.resizeRequest.findFirst({
    where: { stripeSubscriptionId, status: { in: ["awaiting_payment", "scheduled", "paid"] } },
    select: { id: true },
  });
  return open ? confirmResizePayment(open.id) : null;
}
