// Issue 16 end to end on the stand-ins, on a customer's own Stripe test clock: each VM follows its
// own subscription (a customer with two VMs cancels one), an ended VM is restored during retention
// under a new subscription (no new build), a paid order whose build failed is refunded by the date
// it promised, and an unpaid order is never a dead end.
import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { billingGate } from "@/lib/billing-state/gates";
import { runLadderTick } from "@/lib/billing-state/apply-ladder";
import { runBillingClockWork } from "@/lib/billing-state/clock-work";
import { loadCustomerBilling, loadVmBilling, setCancelAtPeriodEnd } from "@/lib/billing-state/customer-billing";
import { startVmRestore } from "@/lib/billing-state/restore-vm";
import { markProvisioningFailed } from "@/lib/provisioning/compensate";
import { getOrderView } from "@/lib/orders/order-view";
import { refundEmailKey } from "@/lib/orders/refund-failed-order";
import { billingSuspendVmFunction } from "@/inngest/functions/billing-suspend-vm";
import { checkoutCompletedFunction } from "@/inngest/functions/checkout-completed";
import { restoreVmFunction } from "@/inngest/functions/restore-vm";
import { refundFailedOrderFunction } from "@/inngest/functions/refund-failed-order";
import { proxmox } from "@/test/fixtures/provisioning";
import { payCheckout } from "@/test/fixtures/checkout";
import {
  billingEmails,
  customerClock,
  enforcementOf,
  findLatestStripeEvent,
  HOUR,
  runMirrorFor,
  sentEvents,
  setUpBillingTests,
  subscribedOrder,
  subscribedVm,
} from "@/test/fixtures/billing";

setUpBillingTests();

describe("I12: each VM follows its own subscription (one customer, two VMs, A cancelled)", () => {
  let a: Awaited<ReturnType<typeof subscribedVm>>;
  let b: Awaited<ReturnType<typeof subscribedVm>>;

  it("at A's period end A is stopped and kept in the customer's words; B keeps running and is never refused anything", async () => {
    a = await subscribedVm();
    b = await subscribedVm({ sameCustomerAs: a });
    const mirrorA = await db.subscription.findUniqueOrThrow({ where: { orderId: a.order.id } });
    expect(await setCancelAtPeriodEnd({ userId: a.user.id, subscriptionId: mirrorA.id, cancel: true })).toEqual({ cancelAtPeriodEnd: true });
    // Undo works until the period ends, then cancel again.
    expect(await setCancelAtPeriodEnd({ userId: a.user.id, subscriptionId: mirrorA.id, cancel: false })).toEqual({ cancelAtPeriodEnd: false });
    await setCancelAtPeriodEnd({ userId: a.user.id, subscriptionId: mirrorA.id, cancel: true });

    const end = (await stripe().subscriptions.retrieve(a.subscriptionId)).items.data[0]!.current_period_end;
    await customerClock.advanceTo(a, end + 2 * HOUR);
    const { ctx } = await runMirrorFor("customer.subscription.deleted", a.subscriptionId, a.subscriptionId);
    const stop = sentEvents(ctx).find((e) => e.name === "billing/vm.suspend-requested")!;
    expect((await new InngestTestEngine({ function: billingSuspendVmFunction, events: [{ ...stop } as never] }).execute()).error).toBeUndefined();
    await runMirrorFor("invoice.paid", (await stripe().invoices.list({ subscription: b.subscriptionId, limit: 1 })).data[0]!.id, b.subscriptionId);
    await runLadderTick();

    expect(await enforcementOf(a.order.id)).toMatchObject({ state: "retained", endReason: "cancellation_requested" });
    expect((await proxmox.vm(a.vmid))?.status).toBe("stopped");
    expect((await proxmox.vm(b.vmid))?.status).toBe("running");
    for (const action of ["start", "console", "resize", "snapshot"] as const) {
      expect(await billingGate({ userId: a.user.id, vmId: b.vm.id, action }), `B ${action}`).toEqual({ allowed: true });
      expect((await billingGate({ userId: a.user.id, vmId: a.vm.id, action })).allowed, `A ${action}`).toBe(false);
    }
    expect(await billingGate({ userId: a.user.id, action: "order" })).toEqual({ allowed: true });
    // A's words: ended, kept until a date, restorable; no unpaid wording, no Pay button.
    const panel = await loadVmBilling(a.user.id, a.vm.id);
    expect(panel).toMatchObject({ story: "ended_by_customer", label: "Ended", canRestore: true });
    expect(JSON.stringify(panel)).not.toMatch(/unpaid|overdue|pay the|payment required/i);
    const views = await loadCustomerBilling(a.user.id);
    const viewA = views.find((v) => v.vm?.id === a.vm.id)!;
    const viewB = views.find((v) => v.vm?.id === b.vm.id)!;
    expect(viewA).toMatchObject({ payable: false, renewal: null, cancellable: false });
    // B's renewal is Stripe's upcoming invoice.
    const preview = await stripe().invoices.createPreview({ subscription: b.subscriptionId });
    expect(viewB.renewal).toMatchObject({ amountMinor: preview.amount_due, currency: "usd" });
    const row = await enforcementOf(a.order.id);
    expect((await billingEmails(row.id)).map((e) => e.subject)).toEqual(["Your Lab VPS subscription has ended"]);
  });

  it("restore during retention: a checkout for A's size; paid, the same VM runs again under the new subscription (no new build), B untouched", async () => {
    const started = await startVmRestore({ userId: a.user.id, vmId: a.vm.id });
    const order = await db.order.findUniqueOrThrow({ where: { id: started!.orderId } });
    expect(order).toMatchObject({ kind: "restore", restoresVmId: a.vm.id, status: "awaiting_payment", amountMinor: a.order.amountMinor });
    // Nothing happens before Stripe says it is paid (I1).
    expect((await proxmox.vm(a.vmid))?.status).toBe("stopped");
    await payCheckout(process.env.STRIPE_API_URL!, order.stripeCheckoutSessionId!);
    const completed = await findLatestStripeEvent("checkout.session.completed", order.stripeCheckoutSessionId!);
    const confirm = await new InngestTestEngine({
      function: checkoutCompletedFunction,
      events: [
        {
          name: "stripe/checkout.session.completed",
          data: { stripeEventId: completed.id, type: completed.type, objectId: order.stripeCheckoutSessionId!, created: 0 },
        } as never,
      ],
    }).execute();
    expect(confirm.error).toBeUndefined();
    const restore = sentEvents(confirm.ctx).find((e) => e.name === "vm/restore.requested")!;
    expect(restore).toMatchObject({ data: { orderId: order.id } });
    expect(sentEvents(confirm.ctx).some((e) => e.name === "order/paid")).toBe(false);
    for (let i = 0; i < 2; i++) {
      const run = await new InngestTestEngine({ function: restoreVmFunction, events: [restore as never] }).execute();
      expect(run.error).toBeUndefined();
    }
    expect((await proxmox.vm(a.vmid))?.status).toBe("running");
    expect(await db.vm.findUniqueOrThrow({ where: { id: a.vm.id } })).toMatchObject({ status: "running", orderId: order.id, vmid: a.vmid });
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "provisioned" });
    expect(await enforcementOf(a.order.id)).toMatchObject({ state: "superseded" });
    expect(await db.emailOutbox.count({ where: { key: `vm-restored:${order.id}` } })).toBe(1);
    expect(await billingGate({ userId: a.user.id, vmId: a.vm.id, action: "start" })).toEqual({ allowed: true });
    expect((await proxmox.vm(b.vmid))?.status).toBe("running");
  });
});

describe("I11: a paid order whose build failed ends refunded, by the date it promised", () => {
  it("until the date the customer sees the truth; past it (on their clock) it is cancelled, refunded in full, audited, one email", async () => {
    const s = await subscribedOrder();
    expect(await markProvisioningFailed({ orderId: s.order.id, attempt: 1, error: "clone template: storage is offline" })).toBe(true);
    const failed = await db.order.findUniqueOrThrow({ where: { id: s.order.id } });
    expect(failed.refundDeadlineAt).toEqual(new Date(((await customerClock.now(s)) + 24 * HOUR) * 1000));
    expect((await getOrderView(s.user.id, s.order.id))?.message).toMatch(/We are retrying; if it cannot be built you are refunded in full by \d+ \w+ \d{4}\./);
    expect((await runBillingClockWork({ testClockId: s.testClockId })).refunds).toBe(0);

    await customerClock.advanceTo(s, (await customerClock.now(s)) + 25 * HOUR);
    const work = await runBillingClockWork({ testClockId: s.testClockId });
    const request = work.events.find((e) => e.name === "order/refund-requested")!;
    expect(request).toMatchObject({ data: { orderId: s.order.id }, id: `order-refund-${s.order.id}` });
    for (let i = 0; i < 2; i++)
      expect((await new InngestTestEngine({ function: refundFailedOrderFunction, events: [request as never] }).execute()).error).toBeUndefined();

    expect(await db.order.findUniqueOrThrow({ where: { id: s.order.id } })).toMatchObject({ status: "refunded", refundedMinor: 500 });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).status).toBe("canceled");
    expect(await db.auditEvent.count({ where: { subjectId: s.order.id, action: "order.failed_build_refunded" } })).toBe(1);
    expect(await db.emailOutbox.findMany({ where: { key: refundEmailKey(s.order.id) } })).toEqual([expect.objectContaining({ status: "sent" })]);
    expect((await getOrderView(s.user.id, s.order.id))?.message).toMatch(/refunded \$5 in full/);
    // /billing: the refunded invoice says so, with Stripe's amount, and links its page and PDF.
    const [view] = await loadCustomerBilling(s.user.id);
    expect(view!.invoices[0]).toMatchObject({
      status: "refunded",
      refundedMinor: 500,
      hostedUrl: expect.stringContaining("/i/"),
      pdfUrl: expect.stringContaining("/pdf"),
    });
  });
});
