// Every paid order ends with a running VM or a full refund (I11). A build that failed keeps its
// order `failed` while the operator can retry it; the customer is told the truth with a date ("we
// are retrying; if it cannot be built you are refunded in full by <date>"), measured on their
// billing clock. Past that date (the ladder tick finds it), or at once when the operator chooses
// "Cancel and refund", the subscription is cancelled, its invoices closed, every payment of it
// refunded (keyed, so money moves once), the order becomes `refunded`, audited, and the customer
// gets one email. The refund claims the order first (`refundedAt`), so an operator's retry cannot
// start a build that is being refunded.
import { UserFacingError } from "@/lib/errors";
import { formatDay } from "@/lib/format/date";
import { recordAudit, type AuditActor } from "@/lib/audit/record-audit";
import { refundInvoiceOnce } from "@/lib/billing/refund-invoice";
import { stripe } from "@/lib/billing/stripe";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";
import { cancelSubscriptionOfOrder, closeOpenInvoicesOfOrder } from "@/lib/billing-state/end-billing";
import { db } from "@/lib/db";
import { enqueueEmail } from "@/lib/email/outbox";
import { escapeHtml, htmlDocument } from "@/lib/email/templates/layout";
import { env } from "@/lib/env";
import { formatMoney } from "@/lib/format/money";
import { Prisma } from "@/lib/generated/prisma/client";
import { transitionOrder } from "@/lib/orders/order-state";

const day = (d: Date) => formatDay(d);

/** What a failed order's page says until it is built or refunded (I4: nothing about why). */
export const failedBuildMessage = (refundBy: Date) =>
  `We could not build your VM yet. We are retrying; if it cannot be built you are refunded in full by ${day(refundBy)}.`;

export const refundedBuildMessage = (amountMinor: number, currency: string) =>
  `We could not build your VM, so we cancelled its subscription and refunded ${formatMoney(amountMinor, currency)} in full. Refunds usually reach your card within 5–10 business days.`;

/** The refund date of a failed build: CLEANUP_DEADLINE_HOURS after the first failure, on the customer's clock. */
export async function refundDeadlineFor(userId: string): Promise<Date> {
  return new Date((await billingNowForUser(userId)).getTime() + env().CLEANUP_DEADLINE_HOURS * 3_600_000);
}

/** Failed orders whose refund date has come, each on its customer's clock, in one query. */
export async function findFailedOrdersDueRefund(now = new Date(), userIds?: string[]): Promise<string[]> {
  const users = userIds ? Prisma.sql`AND o.user_id IN (${Prisma.join(userIds.length ? userIds : [""])})` : Prisma.empty;
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT o.id FROM orders o
      JOIN users u ON u.id = o.user_id
      LEFT JOIN billing_clocks c ON c.id = u.stripe_test_clock_id
     WHERE o.status = 'failed' AND o.refund_deadline_at IS NOT NULL AND o.refund_deadline_at <= COALESCE(c.frozen_time, ${now}) ${users}
     ORDER BY o.refund_deadline_at LIMIT 500`;
  return rows.map((r) => r.id);
}

export const refundEmailKey = (orderId: string) => `order-refunded:${orderId}`;

export type FailedRefund = { refundedMinor: number; currency: string; alreadyDone: boolean };

/** Cancels and refunds a failed order (the deadline passed, or the operator's "Cancel and refund"). */
export async function refundFailedOrder({ orderId, actor }: { orderId: string; actor: AuditActor }): Promise<FailedRefund> {
  const order = await db.order.findUnique({
    where: { id: orderId },
    select: { status: true, refundedMinor: true, currency: true, stripeSubscriptionId: true, userId: true, user: { select: { email: true, name: true } } },
  });
  if (!order) throw new UserFacingError("That order does not exist.");
  if (order.status === "refunded") return { refundedMinor: order.refundedMinor ?? 0, currency: order.currency, alreadyDone: true };
  if (order.status !== "failed")
    throw new UserFacingError(`Only a failed order can be cancelled and refunded here; this one is ${order.status.replace("_", " ")}.`);
  // The claim: from here no retry starts (retryProvisioning refuses a claimed order).
  await db.order.updateMany({ where: { id: orderId, status: "failed", refundedAt: null }, data: { refundedAt: new Date() } });

  const reason = "build failed; refunded";
  await cancelSubscriptionOfOrder(orderId, reason);
  await closeOpenInvoicesOfOrder(orderId, reason);
  const refunds: Array<{ id: string; amount: number }> = [];
  if (order.stripeSubscriptionId) {
    const { data } = await stripe().invoices.list({ subscription: order.stripeSubscriptionId, status: "paid", limit: 100 });
    for (const invoice of data) refunds.push(...(await refundInvoiceOnce(invoice.id, { orderId }, `refund-failed-${orderId}`)));
  }
  const refundedMinor = refunds.reduce((sum, r) => sum + r.amount, 0);
  const moved = await db.$transaction(async (tx) => {
    const changed = await transitionOrder(
      orderId,
      "failed",
      "refunded",
      { refundedMinor, customerMessage: refundedBuildMessage(refundedMinor, order.currency), refundDeadlineAt: null },
      tx,
    );
    if (changed) {
      await recordAudit(actor, "order.failed_build_refunded", { type: "order", id: orderId }, { refunds, refundedMinor, currency: order.currency }, tx);
      // Never a VM: nothing to enforce for this subscription any more.
      await tx.billingEnforcement.deleteMany({ where: { orderId } });
    }
    return changed;
  });
  if (moved) {
    const subject = "Your Lab VPS order was refunded";
    const lines = [
      `Hi ${order.user.name},`,
      "",
      refundedBuildMessage(refundedMinor, order.currency),
      "",
      `${env().APP_URL.replace(/\/$/, "")}/orders/${orderId}`,
    ];
    await enqueueEmail({
      key: refundEmailKey(orderId),
      to: order.user.email,
      subject,
      text: lines.join("\n"),
      html: htmlDocument(subject, lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("\n")),
    });
  }
  return { refundedMinor, currency: order.currency, alreadyDone: !moved };
}

/** The failure message and refund date for a failed build (the first failure's date stays). */
export async function failedBuildFields(orderId: string): Promise<{ refundDeadlineAt: Date; customerMessage: string }> {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { userId: true, refundDeadlineAt: true } });
  const refundDeadlineAt = order.refundDeadlineAt ?? (await refundDeadlineFor(order.userId));
  return { refundDeadlineAt, customerMessage: failedBuildMessage(refundDeadlineAt) };
}
