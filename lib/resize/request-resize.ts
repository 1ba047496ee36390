// Step two: the customer accepts a quote. Under the capacity lock the request opens (one open per
// subscription, DB-enforced by `openKey`) after the node's room is checked again; then the
// subscription update goes out with `proration_behavior: always_invoice` (an invoice now) and
// `payment_behavior: pending_if_incomplete` (Stripe changes the items only once that invoice is
// paid), the quote's `proration_date`, the request id in metadata and as the idempotency key.
// Nothing here touches Proxmox (I1, I2): the apply run starts only on a confirmed payment.
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { nodeHasRoomFor } from "@/lib/capacity/find-node-with-room";
import { withCapacityLock } from "@/lib/capacity/capacity-lock";
import { assertBillingAllows } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { vmBusyWith } from "@/lib/vm-operations/vm-busy";
import { confirmResizePayment, type ResizePaymentState } from "@/lib/resize/confirm-resize-payment";
import { NO_ROOM_MESSAGE, QUOTE_TTL_MS, type TargetItems } from "@/lib/resize/quote-resize";
import { extraDemand } from "@/lib/resize/resize-pricing";
import { transitionResize } from "@/lib/resize/resize-state";
import { cancelScheduledDowngrade, findScheduledDowngrade, SCHEDULE_REFUSED_MESSAGE, scheduleDowngrade } from "@/lib/resize/schedule-downgrade";

export const BUSY_RESIZE_MESSAGE = "Another resize of this VM is in progress. Wait for it to finish.";
const STRIPE_REFUSED_MESSAGE = "We couldn't start this resize with our payment provider. Nothing was charged; please review the price again.";

export const resizeIdempotencyKey = (resizeRequestId: string) => `resize-${resizeRequestId}`;

/**
 * Opens the quoted request and asks Stripe for the money. null when the request is not this
 * user's (404). Returns where the payment stands, re-read from Stripe.
 */
export async function requestResize(input: { userId: string; resizeRequestId: string; now?: Date }): Promise<ResizePaymentState | null> {
  const { userId, resizeRequestId } = input;
  const now = input.now ?? new Date();
  await withdrawScheduledDowngradeFor(userId, resizeRequestId);
  const opened = await withCapacityLock(async (tx) => {
    const request = await tx.resizeRequest.findFirst({
      where: { id: resizeRequestId, userId },
      include: { vm: { select: { nodeName: true, status: true, vcpus: true, ramGb: true, diskGb: true } } },
    });
    if (!request) return null;
    if (request.status !== "quoted") return { request, already: true };
    if (now.getTime() - request.createdAt.getTime() > QUOTE_TTL_MS) {
      await transitionResize(request.id, "quoted", "canceled", { finishedAt: now, customerMessage: "The price expired." }, tx);
      throw new UserFacingError("This price is more than 15 minutes old. Review the new price and try again.");
    }
    const vm = request.vm;
    if (vm.vcpus !== request.fromVcpus || vm.ramGb !== request.fromRamGb || vm.diskGb !== request.fromDiskGb) {
      throw new UserFacingError("Your VM's size changed since this price was shown. Review the new price.");
    }
    if (vm.status !== "running" && vm.status !== "stopped") throw new UserFacingError("This VM can be resized once it is running or stopped.");
    // Payment required (issue 11): no new charge or machine change while the account is suspended.
    await assertBillingAllows({ userId, vmId: request.vmId, action: "resize" }, tx);
    // One operation per VM (vm-busy.ts). Another resize is refused below by the subscription's open key.
    const busy = await vmBusyWith(tx, request.vmId, { besides: ["resize"] });
    if (busy === "power") throw new UserFacingError("A power action on this VM is in progress. Wait for it to finish, then try again.");
    if (busy === "operation") throw new UserFacingError("A snapshot, backup or rebuild of this VM is in progress. Wait for it to finish, then try again.");
    const downgrade = request.kind === "downgrade";
    if (!downgrade && (!vm.nodeName || !(await nodeHasRoomFor(vm.nodeName, extraDemand(vm, request), { client: tx, excludeResizeId: request.id })))) {
      throw new UserFacingError(NO_ROOM_MESSAGE);
    }
    try {
      // The unique open_key refuses a second open request for the subscription, whoever races.
      await tx.resizeRequest.update({
        where: { id: request.id, status: "quoted" },
        data: { status: downgrade ? "scheduled" : "awaiting_payment", openKey: request.stripeSubscriptionId },
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw new UserFacingError(BUSY_RESIZE_MESSAGE);
      throw error;
    }
    await recordAudit(
      { type: "customer", id: userId },
      downgrade ? "vm.resize_scheduled" : "vm.resize_requested",
      { type: "vm", id: request.vmId },
      {
        resizeRequestId: request.id,
        from: [request.fromVcpus, request.fromRamGb, request.fromDiskGb],
        to: [request.vcpus, request.ramGb, request.diskGb],
        amountDueMinor: request.amountDueMinor,
      },
      tx,
    );
    return { request, already: false };
  }).catch((error: unknown) => {
    // A P2002 raised inside the transaction aborts it; the transaction rethrows it as is.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw new UserFacingError(BUSY_RESIZE_MESSAGE);
    throw error;
  });
  if (!opened) return null;
  const { request } = opened;
  if (!opened.already) {
    if (request.kind === "downgrade") await sendSchedule(request);
    else await sendSubscriptionUpdate(request);
  }
  return confirmResizePayment(request.id);
}

/**
 * An upgrade replaces a downgrade still waiting for the renewal: its schedule is released at
 * Stripe first (a schedule would otherwise overwrite the upgrade at its next phase). Too late once
 * Stripe switched to the smaller items: that change is applied first.
 */
async function withdrawScheduledDowngradeFor(userId: string, resizeRequestId: string) {
  const request = await db.resizeRequest.findFirst({ where: { id: resizeRequestId, userId, status: "quoted", kind: "upgrade" } });
  if (!request) return;
  const scheduled = await findScheduledDowngrade(request.stripeSubscriptionId);
  if (!scheduled) return;
  let outcome;
  try {
    outcome = await cancelScheduledDowngrade(scheduled, { type: "customer", id: userId }, REPLACED_MESSAGE);
  } catch {
    throw new UserFacingError("Our payment provider didn't answer. Nothing was changed; please try again.");
  }
  if (outcome === "took_effect") {
    throw new UserFacingError("Your smaller size took effect at your renewal and is applied once that renewal is paid. Resize again after that.");
  }
}

const REPLACED_MESSAGE = "Replaced by the larger size you chose afterwards.";

async function sendSchedule(request: Parameters<typeof scheduleDowngrade>[0]) {
  try {
    await scheduleDowngrade(request);
  } catch {
    // scheduleDowngrade closed the request on a refusal; anything else is retried by the next signal or the sweeper.
    const row = await db.resizeRequest.findUnique({ where: { id: request.id }, select: { status: true } });
    if (row?.status === "scheduled") {
      throw new UserFacingError(
        "Our payment provider didn't answer. Your change is recorded and is scheduled as soon as it answers; check this page again shortly.",
      );
    }
    throw new UserFacingError(SCHEDULE_REFUSED_MESSAGE);
  }
}

async function sendSubscriptionUpdate(request: { id: string; stripeSubscriptionId: string; prorationDate: number; targetItems: unknown }) {
  const items = request.targetItems as TargetItems;
  let subscription: Stripe.Subscription;
  try {
    subscription = await stripe().subscriptions.update(
      request.stripeSubscriptionId,
      {
        items: items.update,
        proration_behavior: "always_invoice",
        payment_behavior: "pending_if_incomplete",
        proration_date: request.prorationDate,
        metadata: { resizeRequestId: request.id },
        expand: ["latest_invoice"],
      },
      { idempotencyKey: resizeIdempotencyKey(request.id) },
    );
  } catch (error) {
    const stripeError = error as Stripe.errors.StripeError;
    // A definite refusal (4xx other than rate limiting) changed nothing at Stripe: close the request.
    // Anything else (timeout, 5xx) may have gone through: the request stays open and the next
    // subscription signal (or the customer's retry, same idempotency key) settles it.
    if (stripeError.statusCode && stripeError.statusCode >= 400 && stripeError.statusCode < 500 && stripeError.statusCode !== 429) {
      await transitionResize(request.id, "awaiting_payment", "canceled", {
        finishedAt: new Date(),
        failureReason: `subscriptions.update refused: ${stripeError.message}`,
        customerMessage: STRIPE_REFUSED_MESSAGE,
      });
      throw new UserFacingError(STRIPE_REFUSED_MESSAGE);
    }
    throw new UserFacingError("Our payment provider didn't answer. Nothing is applied until the payment is confirmed; check this page again shortly.");
  }
  const invoice = subscription.latest_invoice as Stripe.Invoice | null;
  if (invoice) {
    await db.resizeRequest.update({ where: { id: request.id }, data: { stripeInvoiceId: invoice.id, hostedInvoiceUrl: invoice.hosted_invoice_url ?? null } });
  }
}
