// The checkout-expired function with @inngest/test, the real database and the Stripe stand-in.
import { describe, expect, inject, it } from "vitest";
import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { createCheckoutFixture, findStripeEvent, payCheckout, replaceCheckoutSession, stripeSignal } from "@/test/fixtures/checkout";
import { checkoutExpiredFunction } from "./checkout-expired";

const simUrls = inject("simUrls");

const run = (event: ReturnType<typeof stripeSignal>) => new InngestTestEngine({ function: checkoutExpiredFunction, events: [event] }).execute();
const forged = (sessionId: string) =>
  stripeSignal({ id: `evt_forged_expired_${sessionId.slice(-12)}`, type: "checkout.session.expired", created: 0, data: { object: { id: sessionId } } });
const expiredAudits = (orderId: string) => db.auditEvent.count({ where: { subjectId: orderId, action: "order.expired" } });

describe("checkout-expired", () => {
  it("expires the order when Stripe expired its session, once however often the event comes", async () => {
    const { orderId, sessionId } = await createCheckoutFixture();
    await stripe().checkout.sessions.expire(sessionId);
    const signal = stripeSignal(await findStripeEvent(simUrls.stripe, "checkout.session.expired", sessionId));

    const { result } = await run(signal);
    expect(result).toEqual({ action: "expired", orderId });
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order.status).toBe("expired");
    expect(order.expiredAt).toBeInstanceOf(Date);
    expect(await expiredAudits(orderId)).toBe(1);

    const replay = await run(signal);
    expect(replay.result).toEqual({ action: "unchanged", orderId, reason: "order is not awaiting payment" });
    expect(await expiredAudits(orderId)).toBe(1);
  });

  it("I1: a stray expired event for a paid session leaves the order alone (Stripe's re-read wins)", async () => {
    const { orderId, sessionId } = await createCheckoutFixture();
    await payCheckout(simUrls.stripe, sessionId);

    const { result } = await run(forged(sessionId));
    expect(result).toEqual({ action: "unchanged", orderId: null, reason: "session is complete" });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "awaiting_payment", expiredAt: null });
    expect(await expiredAudits(orderId)).toBe(0);
  });

  it("a cancel redirect decides nothing: an open session's order keeps waiting for payment", async () => {
    const { orderId, sessionId } = await createCheckoutFixture();
    const { result } = await run(forged(sessionId));
    expect(result).toMatchObject({ action: "unchanged", reason: "session is open" });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "awaiting_payment" });
  });

  it("an expired old session does not expire an order that moved to a newer session", async () => {
    const fixture = await createCheckoutFixture();
    const { orderId, sessionId } = fixture;
    await replaceCheckoutSession(fixture);
    await stripe().checkout.sessions.expire(sessionId);

    const { result } = await run(stripeSignal(await findStripeEvent(simUrls.stripe, "checkout.session.expired", sessionId)));
    expect(result).toEqual({ action: "unchanged", orderId, reason: "not the order's current session" });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "awaiting_payment" });
  });
});
