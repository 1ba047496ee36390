// "Restore this VM" (issue 16): while an ended VM's data is kept, its owner can buy it back — a
// checkout for its current size (its plan, and its extra resources on a monthly plan) as a restore
// order. Once Stripe confirms the money (I1: webhook, re-read), the new subscription is attached
// to the kept VM — the VM follows the new order from then on, its old billing row is `superseded`
// — and the VM is started: no new build. If the VM is gone by then (its deletion won the race),
// the restore order fails and is refunded like any build that could not be done (I11).
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { createCheckoutSession } from "@/lib/billing/create-checkout-session";
import { ensureStripeCustomer } from "@/lib/billing/ensure-customer";
import { ensurePlanPrice, planAmount } from "@/lib/billing/ensure-plan-price";
import { stripe } from "@/lib/billing/stripe";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";
import { KEPT_STATES } from "@/lib/billing-state/billing-state";
import { assertBillingAllows } from "@/lib/billing-state/gates";
import { loadVmBilling } from "@/lib/billing-state/customer-billing";
import { db } from "@/lib/db";
import { VmHeldError, vmHoldMessage } from "@/lib/vm-holds/hold-gate";
import { enqueueEmail } from "@/lib/email/outbox";
import { escapeHtml, htmlDocument } from "@/lib/email/templates/layout";
import { env } from "@/lib/env";
import { transitionOrder } from "@/lib/orders/order-state";
import { ensureResourcePrice } from "@/lib/resize/ensure-resource-price";
import { extraUnits, monthlyPrice } from "@/lib/resize/resize-pricing";

const NOT_RESTORABLE = "This VM cannot be restored now: only a VM whose subscription has ended can be, while its data is kept.";

/** Creates the restore order and its checkout; null when the VM is not this user's (404). */
export async function startVmRestore({ userId, vmId }: { userId: string; vmId: string }): Promise<{ orderId: string; checkoutUrl: string } | null> {
  const vm = await db.vm.findFirst({
    where: { id: vmId, userId },
    include: { plan: true, order: { select: { interval: true, sshPublicKeys: true } }, user: { select: { id: true, email: true, name: true } } },
  });
  if (!vm) return null;
  // A held VM keeps its hold's words (never "cannot be restored now"), and no money is asked for it.
  const held = await vmHoldMessage(vmId, userId);
  if (held) throw new VmHeldError(held);
  const billing = await loadVmBilling(userId, vmId);
  if (!billing?.canRestore) throw new UserFacingError(NOT_RESTORABLE);
  await assertBillingAllows({ userId, action: "order" });
  // A restore already waiting for its payment is the one to complete.
  const waiting = await db.order.findFirst({ where: { restoresVmId: vmId, kind: "restore", status: "awaiting_payment" }, orderBy: { createdAt: "desc" } });
  if (waiting?.stripeCheckoutSessionId) {
    const session = await stripe().checkout.sessions.retrieve(waiting.stripeCheckoutSessionId);
    if (session.status === "open" && session.url) return { orderId: waiting.id, checkoutUrl: session.url };
  }

  const interval = vm.order.interval;
  const prices = interval === "month" ? await db.resourcePrice.findMany() : [];
  const totals = { vcpus: vm.vcpus, ramGb: vm.ramGb, diskGb: vm.diskGb };
  const amountMinor = interval === "month" ? monthlyPrice(vm.plan, totals, prices) : planAmount(vm.plan, interval);
  const order = await db.order.create({
    data: {
      userId,
      planId: vm.planId,
      interval,
      kind: "restore",
      restoresVmId: vm.id,
      status: "awaiting_payment",
      amountMinor,
      currency: vm.plan.currency,
      hostname: vm.name,
      sshPublicKeys: vm.order.sshPublicKeys,
    },
    select: { id: true },
  });
  try {
    const [price, customerId] = await Promise.all([ensurePlanPrice(vm.plan, interval), ensureStripeCustomer(vm.user)]);
    const extraItems: Array<{ price: string; quantity: number }> = [];
    for (const resource of prices) {
      const quantity = extraUnits(vm.plan, totals, resource);
      if (quantity > 0) extraItems.push({ price: (await ensureResourcePrice(resource)).id, quantity });
    }
    const session = await createCheckoutSession({ orderId: order.id, priceId: price.id, customerId, extraItems, now: await billingNowForUser(userId) });
    if (!session.url) throw new Error(`checkout session ${session.id} has no url`);
    await db.order.update({ where: { id: order.id }, data: { stripeCheckoutSessionId: session.id, stripeCustomerId: customerId } });
    await recordAudit(
      { type: "customer", id: userId },
      "order.restore_checkout_started",
      { type: "order", id: order.id },
      { vmId, amountMinor, checkoutSessionId: session.id },
    );
    return { orderId: order.id, checkoutUrl: session.url };
  } catch (error) {
    await db.order.deleteMany({ where: { id: order.id, status: "awaiting_payment" } });
    const { type, code } = error as { type?: string; code?: string };
    console.error("restore checkout failed", { orderId: order.id, error: error instanceof Error ? error.name : typeof error, type, code });
    throw new UserFacingError("We could not start the payment. You have not been charged; please try again in a moment.");
  }
}

export type AttachResult = { attached: true; vmId: string; previousOrderId: string; supersededBillingRow: string | null } | { attached: false; reason: string };

/**
 * Paid (the order is `paid`, confirmed against Stripe): the VM follows the restore order from now
 * on — its row, its VMID reservation — and its old billing row is `superseded`, all in one
 * transaction, only while the VM is still kept. Idempotent: a re-run finds it attached.
 */
export async function attachRestoredVm(orderId: string): Promise<AttachResult> {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true, restoresVmId: true, userId: true } });
  if (!order.restoresVmId) return { attached: false, reason: "not a restore order" };
  const vm = await db.vm.findUnique({ where: { id: order.restoresVmId }, select: { id: true, orderId: true, userId: true, status: true, vmid: true } });
  if (vm?.orderId === orderId) {
    const superseded = await db.billingEnforcement.findFirst({
      where: { userId: order.userId, state: "superseded", orderId: { not: orderId } },
      orderBy: { updatedAt: "desc" },
      select: { id: true },
    });
    return { attached: true, vmId: vm.id, previousOrderId: orderId, supersededBillingRow: superseded?.id ?? null };
  }
  if (order.status !== "paid" && order.status !== "provisioning") return { attached: false, reason: `order is ${order.status}` };
  if (!vm || vm.userId !== order.userId || vm.vmid === null || (vm.status !== "stopped" && vm.status !== "running"))
    return { attached: false, reason: "the VM is gone" };
  const old = await db.billingEnforcement.findUnique({ where: { orderId: vm.orderId }, select: { id: true, state: true, deletionApprovedAt: true } });
  if (old && (!(KEPT_STATES as readonly string[]).includes(old.state) || old.deletionApprovedAt))
    return { attached: false, reason: `its data is ${old.state}` };
  const previousOrderId = vm.orderId;
  return db.$transaction(async (tx) => {
    if (old) {
      const moved = await tx.billingEnforcement.updateMany({
        where: { id: old.id, state: { in: [...KEPT_STATES] }, deletionApprovedAt: null },
        data: { state: "superseded" },
      });
      if (moved.count !== 1) return { attached: false as const, reason: "its deletion started meanwhile" };
    }
    await tx.vmidReservation.updateMany({ where: { orderId: previousOrderId }, data: { orderId } });
    await tx.vm.update({ where: { id: vm.id }, data: { orderId } });
    await transitionOrder(orderId, "paid", "provisioning", { provisionAttempts: 1, progressStep: "starting" }, tx);
    await recordAudit(
      { type: "system" },
      "vm.restored_under_new_subscription",
      { type: "vm", id: vm.id },
      { orderId, previousOrderId, supersededBillingRow: old?.id ?? null },
      tx,
    );
    if (old) await recordAudit({ type: "system" }, "billing.state_superseded", { type: "billing", id: old.id }, { from: old.state, restoredBy: orderId }, tx);
    return { attached: true as const, vmId: vm.id, previousOrderId, supersededBillingRow: old?.id ?? null };
  });
}

/** The VM is gone: the restore order fails, with the truth, and its refund follows at once (I11). */
export async function failRestore(orderId: string, reason: string): Promise<boolean> {
  const moved = await transitionOrder(orderId, ["paid", "provisioning"], "failed", {
    failureReason: `Restore failed: ${reason}`,
    customerMessage: "We could not restore this VM: its data was no longer kept. You are refunded in full.",
    failedAt: new Date(),
    refundDeadlineAt: new Date(0),
  });
  if (moved) await recordAudit({ type: "system" }, "order.restore_failed", { type: "order", id: orderId }, { reason });
  return moved;
}

/** provisioning → provisioned, the VM ready again (its row), audited once. */
export async function finishRestore(orderId: string, vmId: string): Promise<boolean> {
  const now = new Date();
  const moved = await transitionOrder(orderId, "provisioning", "provisioned", { provisionedAt: now, progressStep: null });
  if (moved) await recordAudit({ type: "system" }, "order.restored", { type: "order", id: orderId }, { vmId });
  return moved;
}

export const restoredEmailKey = (orderId: string) => `vm-restored:${orderId}`;

export async function queueRestoredEmail(orderId: string, vmId: string): Promise<string> {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { name: true, user: { select: { email: true, name: true } } } });
  const subject = `Your VM ${vm.name} is restored`;
  const url = `${env().APP_URL.replace(/\/$/, "")}/vms/${vmId}`;
  const lines = [`Hi ${vm.user.name},`, "", `Your VM ${vm.name} is running again, with its data as you left it.`, "", url];
  const key = restoredEmailKey(orderId);
  await enqueueEmail({
    key,
    to: vm.user.email,
    subject,
    text: lines.join("\n"),
    html: htmlDocument(subject, lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("\n")),
  });
  return key;
}
