// The sweeper run with @inngest/test against the real database, the Stripe stand-in (sessions
// really paid or expired there) and the Inngest stand-in (which receives what the sweep sends).
// Each case is work Stripe accepted that nothing carried out: no event reached a function.
import { describe, expect, inject, it } from "vitest";
import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { createCheckoutFixture, inngestEvents, payCheckout, proxmoxRequests } from "@/test/fixtures/checkout";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { startProvisioning } from "@/lib/provisioning/start-provisioning";
import { getSweeperActivity } from "@/lib/admin/sweeper-activity";
import { sweepStuckWorkFunction } from "./sweep-stuck-work";

const simUrls = inject("simUrls");
const hourAgo = () => new Date(Date.now() - 60 * 60_000);

function sweep() {
  // A fresh engine per execution: @inngest/test 1.0.0 shares step state between executions of one.
  return new InngestTestEngine({ function: sweepStuckWorkFunction, events: [{ name: "inngest/scheduled.timer", data: { cron: "*/5 * * * *" } }] }).execute();
}

/** An order and session whose Stripe side moved on while nothing told the app (no webhook, no run). */
async function staleCheckout(opts: { pay?: boolean; amountMinor?: number } = {}) {
  const fixture = await createCheckoutFixture({ amountMinor: opts.amountMinor });
  await db.order.update({ where: { id: fixture.orderId }, data: { createdAt: hourAgo(), sshPublicKeys: [makeEd25519PublicKey()] } });
  if (opts.pay) expect(await payCheckout(simUrls.stripe, fixture.sessionId)).toMatchObject({ status: "complete" });
  return fixture;
}

const orderPaidEvents = async (orderId: string) => (await inngestEvents(simUrls.inngest)).filter((e) => e.name === "order/paid" && e.data.orderId === orderId);
const sweeperAudits = (orderId: string, action: string) =>
  db.auditEvent.count({ where: { subjectType: "order", subjectId: orderId, action, actorType: "system", actorId: "sweeper" } });

describe("sweep-stuck-work", () => {
  it("I1, I3: an order whose completed event started no run converges to paid, then provisioning, with one fresh order/paid", async () => {
    const proxmoxBefore = (await proxmoxRequests(simUrls.proxmox)).at(-1)?.id ?? 0;
    const { orderId } = await staleCheckout({ pay: true });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("awaiting_payment");

    const { result } = await sweep();
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { subscription: true } });
    expect(order).toMatchObject({ status: "paid", flagReason: null });
    expect(order.subscription?.status).toBe("active");
    expect(await sweeperAudits(orderId, "order.paid")).toBe(1);
    expect(result).toMatchObject({ awaitingPayment: { outcomes: expect.objectContaining({ paid: expect.any(Number) }) } });
    // Payment confirmed by re-reading Stripe, not by anything the sweep touched on Proxmox (I1).
    expect(await proxmoxRequests(simUrls.proxmox, proxmoxBefore)).toEqual([]);

    const [emitted, ...more] = await orderPaidEvents(orderId);
    expect(more).toEqual([]);
    expect(emitted).toMatchObject({ id: `order-paid-${orderId}-1`, data: { orderId, attempt: 1 }, duplicates: 0 });
    // That event is what provisioning claims the order with.
    expect(await startProvisioning(orderId, emitted.data.attempt as number)).toMatchObject({ proceed: true });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("provisioning");

    // A second sweep finds nothing more to do for it and sends nothing again.
    await sweep();
    expect(await orderPaidEvents(orderId)).toHaveLength(1);
    expect((await orderPaidEvents(orderId))[0].duplicates).toBe(0);
    expect(await sweeperAudits(orderId, "order.paid")).toBe(1);
  });

  it("an expired session converges to expired, audited, and starts nothing", async () => {
    const { orderId, sessionId } = await staleCheckout();
    await stripe().checkout.sessions.expire(sessionId);
    await sweep();
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "expired", flagReason: null });
    expect(await sweeperAudits(orderId, "order.expired")).toBe(1);
    expect(await orderPaidEvents(orderId)).toEqual([]);
  });

  it("I1: a paid session whose amount is not the order's is flagged for the operator, not paid", async () => {
    const { orderId } = await staleCheckout({ pay: true });
    await db.order.update({ where: { id: orderId }, data: { amountMinor: 990 } }); // Stripe took 1900
    await sweep();
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order.status).toBe("awaiting_payment");
    expect(order.flagReason).toContain("paid 1900 usd, order is 990 usd");
    expect(await sweeperAudits(orderId, "order.flagged")).toBe(1);
    expect(await orderPaidEvents(orderId)).toEqual([]);
    await sweep(); // flagged orders are the operator's now: not re-read, not re-flagged
    expect(await sweeperAudits(orderId, "order.flagged")).toBe(1);
  });

  it("leaves a young order and an open session alone", async () => {
    const young = await createCheckoutFixture();
    const open = await staleCheckout();
    await sweep();
    for (const { orderId } of [young, open])
      expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "awaiting_payment", flagReason: null });
  });

  it("I3: a forwarded event no run processed is converged from Stripe and closed, without re-sending its id", async () => {
    const { orderId } = await staleCheckout({ pay: true });
    await sweep();
    const { stripeSubscriptionId } = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    await stripe().subscriptions.update(stripeSubscriptionId!, { cancel_at_period_end: true });
    const id = `evt_sweep_${orderId}`;
    await db.stripeEvent.create({
      data: { id, type: "customer.subscription.updated", objectId: stripeSubscriptionId, stripeCreated: 1, forwardedAt: hourAgo(), receivedAt: hourAgo() },
    });
    await sweep();
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "processed" });
    expect((await db.subscription.findUniqueOrThrow({ where: { orderId } })).cancelAtPeriodEnd).toBe(true);
    expect(await db.auditEvent.count({ where: { subjectType: "stripe_event", subjectId: id, action: "stripe_event.converged" } })).toBe(1);
    expect((await inngestEvents(simUrls.inngest)).filter((e) => e.id === id)).toEqual([]);
  });

  it("flags a paid order whose provisioning never started, once, instead of re-triggering it", async () => {
    const { orderId } = await staleCheckout({ pay: true });
    await sweep();
    await db.order.update({ where: { id: orderId }, data: { paidAt: new Date(Date.now() - 3 * 60 * 60_000) } });
    await sweep();
    await sweep();
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order).toMatchObject({ status: "paid" });
    expect(order.flagReason).toMatch(/provisioning had not started/);
    expect(await sweeperAudits(orderId, "order.flagged")).toBe(1);
    expect(await orderPaidEvents(orderId)).toHaveLength(1); // the one from the payment sweep, nothing since
  });

  it("shows what it found and did on /admin's data", async () => {
    await sweep();
    const activity = await getSweeperActivity();
    expect(activity.sweeps[0].sections).toMatchObject({
      awaitingPayment: { found: expect.any(Number) },
      unprocessedEvents: { found: expect.any(Number) },
      stalledProvisioning: { found: expect.any(Number) },
    });
    expect(activity.actions.map((a) => a.action)).toEqual(expect.arrayContaining(["order.flagged"]));
  });
});
