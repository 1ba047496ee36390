// The operator's "refund" for an upgrade whose apply failed for good (issue 10 §5: "operator can
// retry or refund from /admin, audited"). The payment is never lost: Stripe changed the items when
// the invoice was paid, so first the subscription goes back to what the VM really has (no
// proration: the refund returns the whole charge), then the upgrade invoice's payments are refunded
// (keyed, so a double click or a retry moves money once), then the request is `refunded` in one
// conditional transition, audited once.
import Stripe from "stripe";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { refundInvoiceOnce } from "@/lib/billing/refund-invoice";
import { sendRefundEmail } from "@/lib/email/customer-notices";
import { stripe } from "@/lib/billing/stripe";
import { db } from "@/lib/db";
import { formatMoney } from "@/lib/format/money";
import { itemsMatch } from "@/lib/resize/confirm-resize-payment";
import { loadResizeContext } from "@/lib/resize/load-resize-context";
import { targetItemsFor } from "@/lib/resize/quote-resize";
import { transitionResize } from "@/lib/resize/resize-state";

export type ResizeRefund = { refundedMinor: number; currency: string; alreadyDone: boolean };

/** Customer words (I4). */
export const resizeRefundedMessage = (amountMinor: number, currency: string) =>
  `We couldn't apply this resize, so we refunded ${formatMoney(amountMinor, currency)} and your plan stays at your VM's current size. Refunds usually reach your card within 5–10 business days.`;

export async function refundFailedResize({ resizeRequestId, adminId }: { resizeRequestId: string; adminId: string }): Promise<ResizeRefund> {
  const request = await db.resizeRequest.findUnique({ where: { id: resizeRequestId } });
  if (!request) throw new UserFacingError("That resize does not exist.");
  if (request.status === "refunded") return { refundedMinor: 0, currency: request.currency, alreadyDone: true };
  if (request.status !== "failed") throw new UserFacingError(`Only a failed resize can be refunded; this one is ${request.status.replace("_", " ")}.`);
  if (request.kind !== "upgrade" || !request.stripeInvoiceId) {
    throw new UserFacingError("This resize charged nothing extra (a downgrade is billed at renewal): retry it instead.");
  }
  let refunds: Array<{ id: string; amount: number }>;
  let billedAs: { vcpus: number; ramGb: number; diskGb: number };
  try {
    billedAs = await revertSubscriptionItems(request);
    refunds = await refundInvoiceOnce(request.stripeInvoiceId, { resizeRequestId }, `refund-resize-${resizeRequestId}`);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    await recordAudit(
      { type: "admin", id: adminId },
      "vm.resize_refund_failed",
      { type: "vm", id: request.vmId },
      { resizeRequestId, code: error.code ?? null, message: error.message },
    );
    throw new UserFacingError(`Stripe did not complete it (${error.code ?? "error"}: ${error.message}). Nothing was marked refunded; try again.`);
  }
  const refundedMinor = refunds.reduce((sum, r) => sum + r.amount, 0);
  const moved = await db.$transaction(async (tx) => {
    const changed = await transitionResize(
      resizeRequestId,
      "failed",
      "refunded",
      { finishedAt: new Date(), customerMessage: resizeRefundedMessage(refundedMinor, request.currency) },
      tx,
    );
    if (changed) {
      await recordAudit(
        { type: "admin", id: adminId },
        "vm.resize_refunded",
        { type: "vm", id: request.vmId },
        { resizeRequestId, invoiceId: request.stripeInvoiceId, refunds, refundedMinor, currency: request.currency, billedAs },
        tx,
      );
    }
    return changed;
  });
  if (moved && refundedMinor > 0) {
    await sendRefundEmail(`refund:resize:${resizeRequestId}`, request.userId, {
      amountMinor: refundedMinor,
      currency: request.currency,
      what: "a resize we could not apply",
    });
  }
  return { refundedMinor, currency: request.currency, alreadyDone: !moved };
}

/**
 * The subscription's items for the size the VM really has after the failure (old CPU and RAM; a
 * disk that already grew stays grown and is billed from the next renewal).
 */
async function revertSubscriptionItems(request: { id: string; userId: string; vmId: string; stripeSubscriptionId: string }) {
  const ctx = await loadResizeContext(request.userId, request.vmId);
  if (!ctx) throw new UserFacingError("The resized VM no longer exists.");
  const size = { vcpus: ctx.vm.vcpus, ramGb: ctx.vm.ramGb, diskGb: ctx.vm.diskGb };
  const subscription = await stripe().subscriptions.retrieve(request.stripeSubscriptionId);
  const items = await targetItemsFor(ctx, subscription, size);
  if (!itemsMatch(subscription, items.expected)) {
    await stripe().subscriptions.update(
      request.stripeSubscriptionId,
      { items: items.update, proration_behavior: "none" },
      { idempotencyKey: `refund-resize-items-${request.id}` },
    );
  }
  return size;
}
