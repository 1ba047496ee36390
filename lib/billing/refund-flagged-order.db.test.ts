// "Cancel and refund" for a flagged order against the database and the Stripe stand-in: a real
// checkout paid with the wrong amount, flagged by confirmCheckout, then cancelled and refunded.
import { describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { UserFacingError } from "@/lib/errors";
import { confirmCheckout, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { createCheckoutFixture, payCheckout } from "@/test/fixtures/checkout";
import { getOrderView } from "@/lib/orders/order-view";
import { cancelAndRefundFlaggedOrder } from "./refund-flagged-order";

const simUrls = inject("simUrls");

/** Paid in Stripe at 1900, but the order says 2000: confirmCheckout flags it and leaves it unpaid. */
async function flaggedOrder() {
  const fixture = await createCheckoutFixture({ amountMinor: 1900 });
  await db.order.update({ where: { id: fixture.orderId }, data: { amountMinor: 2000 } });
  await payCheckout(simUrls.stripe, fixture.sessionId);
  const session = await readCheckoutSession(fixture.sessionId);
  expect(await confirmCheckout(session, `evt_flag_${fixture.orderId}`)).toMatchObject({ action: "flagged" });
  const subscriptionId = session.subscription!.id;
  const invoice = await stripe().invoices.retrieve(String((await stripe().checkout.sessions.retrieve(fixture.sessionId)).invoice), { expand: ["payments"] });
  const paymentIntent = String(invoice.payments!.data[0].payment.payment_intent);
  return { ...fixture, subscriptionId, paymentIntent };
}

const refundsOf = async (paymentIntent: string) => (await stripe().refunds.list({ payment_intent: paymentIntent, limit: 100 })).data;
const audits = (orderId: string) => db.auditEvent.findMany({ where: { subjectType: "order", subjectId: orderId, action: "order.canceled_and_refunded" } });

describe("cancelAndRefundFlaggedOrder", () => {
  it("cancels the subscription at once, refunds the paid invoice's payment, and tells the customer plainly", async () => {
    const { orderId, userId, sessionId, subscriptionId, paymentIntent } = await flaggedOrder();
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "awaiting_payment", flaggedCheckoutSessionId: sessionId });
    const admin = await db.user.create({ data: { email: `admin.${orderId}@example.com`, name: "Op", passwordHash: "x", role: "admin" } });

    expect(await cancelAndRefundFlaggedOrder({ orderId, adminId: admin.id })).toEqual({ refundedMinor: 1900, currency: "usd", alreadyDone: false });

    expect((await stripe().subscriptions.retrieve(subscriptionId)).status).toBe("canceled");
    const refunds = await refundsOf(paymentIntent);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: 1900, status: "succeeded", metadata: { orderId } });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({
      status: "refunded",
      refundedMinor: 1900,
      refundedAt: expect.any(Date),
    });
    const [audit] = await audits(orderId);
    expect(audit).toMatchObject({
      actorType: "admin",
      actorId: admin.id,
      data: { subscriptionId, refundedMinor: 1900, refunds: [{ id: refunds[0].id, amount: 1900 }] },
    });

    // I4: the customer sees what happened in plain words, not Stripe ids or the flag reason.
    const view = await getOrderView(userId, orderId);
    expect(view).toMatchObject({ status: "refunded", final: true, message: expect.stringContaining("refunded $19") });
    expect(JSON.stringify(view)).not.toMatch(/sub_|pi_|re_|cs_test|order is 2000/);
    // And by email, once: "refund issued".
    const mail = await db.emailOutbox.findUniqueOrThrow({ where: { key: `refund:order:${orderId}` } });
    expect(mail).toMatchObject({ status: "sent", subject: "Your Lab VPS refund is on its way", text: expect.stringContaining("We refunded $19 for your") });
  });

  it("I3: a double click, two operators or a later retry refund once and audit once", async () => {
    const { orderId, paymentIntent } = await flaggedOrder();
    const first = await Promise.all([cancelAndRefundFlaggedOrder({ orderId, adminId: "op-a" }), cancelAndRefundFlaggedOrder({ orderId, adminId: "op-b" })]);
    expect(first.map((r) => r.alreadyDone).sort()).toEqual([false, true]);
    expect(await cancelAndRefundFlaggedOrder({ orderId, adminId: "op-a" })).toEqual({ refundedMinor: 1900, currency: "usd", alreadyDone: true });
    expect(await refundsOf(paymentIntent)).toHaveLength(1);
    expect(await audits(orderId)).toHaveLength(1);
    expect(await db.emailOutbox.count({ where: { key: `refund:order:${orderId}` } })).toBe(1);
  });

  it("I8: an attempt that stopped after cancelling finishes the refund on the next click", async () => {
    const { orderId, subscriptionId, paymentIntent } = await flaggedOrder();
    await stripe().subscriptions.cancel(subscriptionId); // the earlier attempt got this far
    expect(await cancelAndRefundFlaggedOrder({ orderId, adminId: "op" })).toMatchObject({ refundedMinor: 1900, alreadyDone: false });
    expect(await refundsOf(paymentIntent)).toHaveLength(1);
    expect((await audits(orderId))[0].data).toMatchObject({ subscriptionStatus: "canceled" });
  });

  it("a payment already refunded in Stripe's Dashboard counts as refunded, not as an error", async () => {
    const { orderId, paymentIntent } = await flaggedOrder();
    const manual = await stripe().refunds.create({ payment_intent: paymentIntent });
    expect(await cancelAndRefundFlaggedOrder({ orderId, adminId: "op" })).toMatchObject({ refundedMinor: 1900, alreadyDone: false });
    expect((await audits(orderId))[0].data).toMatchObject({ refunds: [{ id: manual.id, amount: 1900 }] });
    expect(await refundsOf(paymentIntent)).toHaveLength(1);
  });

  it("I8: a Stripe error leaves the order as it was, tells the operator Stripe's reason, and is audited", async () => {
    const { orderId } = await flaggedOrder();
    await db.order.update({ where: { id: orderId }, data: { flaggedCheckoutSessionId: "cs_test_gone" } });
    await expect(cancelAndRefundFlaggedOrder({ orderId, adminId: "op" })).rejects.toThrow(
      /Stripe did not complete it \(resource_missing: No such checkout.session/,
    );
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("awaiting_payment");
    expect(await db.auditEvent.findFirstOrThrow({ where: { subjectId: orderId, action: "order.refund_failed" } })).toMatchObject({
      actorId: "op",
      data: { code: "resource_missing" },
    });
  });

  it("I10: refuses an order that is not flagged, or one that was accepted, and changes nothing", async () => {
    const plain = await createCheckoutFixture();
    await payCheckout(simUrls.stripe, plain.sessionId);
    await expect(cancelAndRefundFlaggedOrder({ orderId: plain.orderId, adminId: "op" })).rejects.toThrow(UserFacingError);
    const { orderId, subscriptionId, paymentIntent } = await flaggedOrder();
    await db.order.update({ where: { id: orderId }, data: { status: "paid" } });
    await expect(cancelAndRefundFlaggedOrder({ orderId, adminId: "op" })).rejects.toThrow(/only a flagged order that was never accepted/);
    await expect(cancelAndRefundFlaggedOrder({ orderId: "no-such-order", adminId: "op" })).rejects.toThrow(/does not exist/);
    expect((await stripe().subscriptions.retrieve(subscriptionId)).status).toBe("active");
    expect(await refundsOf(paymentIntent)).toEqual([]);
    expect(await db.auditEvent.count({ where: { subjectId: { in: [orderId, plain.orderId] }, action: "order.canceled_and_refunded" } })).toBe(0);
  });
});
