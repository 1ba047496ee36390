// Downgrades at renewal (issue 10 §4) on the stand-ins and their clock: a real provisioned VM grown
// by a paid upgrade, then a smaller size scheduled through a Stripe subscription schedule, the
// renewal, its payment, and the apply run. This file moves the Stripe clock, so it has a Stripe
// stand-in of its own (usePrivateStripeSim).
import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { seedResourcePrices } from "@/lib/catalog/seed-data";
import { getVmConfig } from "@/lib/proxmox/api";
import { quoteResize, SCHEDULED_ALREADY_MESSAGE, FOREIGN_SCHEDULE_MESSAGE, type ResizeQuote } from "@/lib/resize/quote-resize";
import { requestResize } from "@/lib/resize/request-resize";
import { confirmOpenResizeOf } from "@/lib/resize/confirm-resize-payment";
import { cancelDowngradeForCustomer } from "@/lib/resize/schedule-downgrade";
import { resizedEmailKey } from "@/lib/resize/apply-resize";
import { setCancelAtPeriodEnd } from "@/lib/billing-state/customer-billing";
import { resizeVmFunction } from "@/inngest/functions/resize-vm";
import { inngestEvents, proxmoxRequests } from "@/test/fixtures/checkout";
import { customerClock, HARD_DECLINE, payInvoiceOnPage, runMirrorFor, setCard, subscribedVm, usePrivateStripeSim } from "@/test/fixtures/billing";
import { retireProvisioningFixtures, sim } from "@/test/fixtures/provisioning";
import { createUser } from "@/test/fixtures/vm";

let closeStripe: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  closeStripe = await usePrivateStripeSim();
  for (const price of seedResourcePrices) await db.resourcePrice.upsert({ where: { kind: price.kind }, create: price, update: {} });
});
afterAll(async () => {
  // Leave no open resize holding a subscription or a node's room for later files.
  await db.resizeRequest.updateMany({ where: { openKey: { not: null } }, data: { status: "canceled", openKey: null } });
  await retireProvisioningFixtures();
  await closeStripe();
});

const HOUR = 3_600;
const NODE = "pve1";
const runApply = (resizeRequestId: string, vmId: string, attempt = 1) =>
  new InngestTestEngine({
    function: resizeVmFunction,
    events: [{ name: "vm/resize.apply-requested", id: `resize-apply-${resizeRequestId}-${attempt}`, data: { resizeRequestId, vmId, attempt } }],
  }).execute();
const applyEvents = async (resizeRequestId: string) =>
  (await inngestEvents(sim().inngest)).filter((e) => e.name === "vm/resize.apply-requested" && e.data.resizeRequestId === resizeRequestId);
const lastProxmoxRequest = async () => (await proxmoxRequests(sim().proxmox)).at(-1)?.id ?? 0;
const proxmoxCallsFor = async (vmid: number, since: number) => (await proxmoxRequests(sim().proxmox, since)).filter((r) => r.path.includes(`/qemu/${vmid}`));
const quantities = async (subscriptionId: string) =>
  (await stripe().subscriptions.retrieve(subscriptionId)).items.data.map((i) => i.quantity).sort((a, b) => a! - b!);

/** A subscribed VM on a 1 vCPU / 1 GB plan, grown to 3 vCPU / 3 GB by a paid, applied upgrade. */
async function grownVm() {
  const s = await subscribedVm();
  await db.plan.update({ where: { id: s.order.planId }, data: { maxVcpus: 4, maxRamGb: 4, maxDiskGb: 100 } });
  const quote = await quoteResize({ userId: s.user.id, vmId: s.vm.id, totals: { vcpus: 3, ramGb: 3, diskGb: 40 } });
  expect(await requestResize({ userId: s.user.id, resizeRequestId: quote!.resizeRequestId })).toMatchObject({ status: "paid" });
  expect((await runApply(quote!.resizeRequestId, s.vm.id)).result).toMatchObject({ status: "applied" });
  expect(await quantities(s.subscriptionId)).toEqual([1, 2, 2]); // the plan, 2 extra vCPUs, 2 extra GB
  return s;
}

/** Schedules 3/3 → 2/2 (one vCPU and one GB less) and checks what the customer was told. */
async function scheduleSmaller(s: Awaited<ReturnType<typeof grownVm>>): Promise<ResizeQuote> {
  const quote = (await quoteResize({ userId: s.user.id, vmId: s.vm.id, totals: { vcpus: 2, ramGb: 2, diskGb: 40 } }))!;
  const live = await stripe().subscriptions.retrieve(s.subscriptionId);
  expect(quote).toMatchObject({ amountDueMinor: 0, newMonthlyMinor: 500 + 400 + 150, effectiveAt: new Date(live.items.data[0]!.current_period_end * 1000) });
  expect(await requestResize({ userId: s.user.id, resizeRequestId: quote.resizeRequestId })).toMatchObject({ status: "scheduled" });
  return quote;
}

const renewalOf = async (s: { subscriptionId: string; testClockId: string }) => {
  const live = await stripe().subscriptions.retrieve(s.subscriptionId);
  // Past the period end and the ~1 h draft window, so the renewal is finalized and collected.
  await customerClock.advanceTo(s, live.items.data[0]!.current_period_end + 2 * HOUR);
  const invoices = await stripe().invoices.list({ subscription: s.subscriptionId });
  return invoices.data.find((i) => i.billing_reason === "subscription_cycle")!;
};

describe("resize downgrades at renewal (subscription schedule)", () => {
  it("I1: a downgrade charges nothing, changes nothing before the renewal, and is applied once after the renewal at the lower price is paid", async () => {
    const s = await grownVm();
    const since = await lastProxmoxRequest();
    const quote = await scheduleSmaller(s);
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.resizeRequestId } });
    expect(row).toMatchObject({ kind: "downgrade", status: "scheduled", stripeScheduleId: expect.stringMatching(/^sub_sched_/) });
    const schedule = await stripe().subscriptionSchedules.retrieve(row.stripeScheduleId!);
    expect(schedule).toMatchObject({ status: "active", end_behavior: "release", subscription: s.subscriptionId });
    expect(schedule.phases.map((p) => p.items.map((i) => i.quantity).sort())).toEqual([
      [1, 2, 2],
      [1, 1, 1],
    ]);
    // Another downgrade waits for this one; nothing moved at Stripe or Proxmox.
    await expect(quoteResize({ userId: s.user.id, vmId: s.vm.id, totals: { vcpus: 1, ramGb: 1, diskGb: 40 } })).rejects.toThrow(SCHEDULED_ALREADY_MESSAGE);
    await confirmOpenResizeOf(s.subscriptionId); // a duplicated signal
    expect(await quantities(s.subscriptionId)).toEqual([1, 2, 2]);
    expect(await applyEvents(row.id)).toHaveLength(0);

    const renewal = await renewalOf(s);
    expect(renewal).toMatchObject({ status: "paid", amount_paid: 500 + 400 + 150 }); // billed at the smaller size
    expect(await quantities(s.subscriptionId)).toEqual([1, 1, 1]);
    expect(await proxmoxCallsFor(s.vmid, since)).toEqual([]); // nothing before the paid renewal is read back
    expect(await db.vm.findUniqueOrThrow({ where: { id: s.vm.id } })).toMatchObject({ vcpus: 3, ramGb: 3 });

    // The renewal's signals, duplicated: one transition, one apply run queued, the schedule released.
    expect((await runMirrorFor("invoice.paid", renewal.id, s.subscriptionId)).error).toBeUndefined();
    expect((await runMirrorFor("invoice.paid", renewal.id, s.subscriptionId)).error).toBeUndefined();
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "paid", stripeInvoiceId: renewal.id });
    expect(await applyEvents(row.id)).toHaveLength(1);
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).schedule).toBeNull();
    expect((await stripe().subscriptionSchedules.retrieve(row.stripeScheduleId!)).status).toBe("released");

    expect((await runApply(row.id, s.vm.id)).result).toEqual({ resizeRequestId: row.id, status: "applied" });
    const config = await getVmConfig(NODE, s.vmid);
    expect([Number(config.cores), Number(config.memory)]).toEqual([2, 2 * 1024]);
    expect(await db.vm.findUniqueOrThrow({ where: { id: s.vm.id } })).toMatchObject({ vcpus: 2, ramGb: 2, diskGb: 40, status: "running" });
    expect(await db.emailOutbox.count({ where: { key: resizedEmailKey(row.id) } })).toBe(1);
    expect(await db.auditEvent.count({ where: { subjectId: s.vm.id, action: "vm.resize_scheduled" } })).toBe(1);
  });

  it("I5: the owner cancels a scheduled downgrade before the renewal (another user gets a 404); the schedule is released and the renewal bills the current size", async () => {
    const s = await grownVm();
    const quote = await scheduleSmaller(s);
    const stranger = await createUser();
    expect(await cancelDowngradeForCustomer(stranger.id, quote.resizeRequestId)).toBeNull();
    expect(await cancelDowngradeForCustomer(s.user.id, quote.resizeRequestId)).toBe("canceled");
    expect(await cancelDowngradeForCustomer(s.user.id, quote.resizeRequestId)).toBe("not_open");
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.resizeRequestId } });
    expect(row).toMatchObject({ status: "canceled", openKey: null });
    expect((await stripe().subscriptionSchedules.retrieve(row.stripeScheduleId!)).status).toBe("released");
    expect(await db.auditEvent.count({ where: { subjectId: s.vm.id, action: "vm.resize_canceled" } })).toBe(1);

    const renewal = await renewalOf(s);
    expect(renewal.amount_paid).toBe(500 + 2 * 400 + 2 * 150);
    expect(await quantities(s.subscriptionId)).toEqual([1, 2, 2]);
    await runMirrorFor("invoice.paid", renewal.id, s.subscriptionId);
    expect(await applyEvents(row.id)).toHaveLength(0);
  });

  it("a later upgrade withdraws the scheduled downgrade first, so the renewal keeps the upgrade (a schedule would overwrite it)", async () => {
    const s = await grownVm();
    const downgrade = await scheduleSmaller(s);
    const upgrade = (await quoteResize({ userId: s.user.id, vmId: s.vm.id, totals: { vcpus: 4, ramGb: 4, diskGb: 40 } }))!;
    expect(upgrade.amountDueMinor).toBeGreaterThan(0);
    expect(await requestResize({ userId: s.user.id, resizeRequestId: upgrade.resizeRequestId })).toMatchObject({ status: "paid" });
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: downgrade.resizeRequestId } })).toMatchObject({
      status: "canceled",
      customerMessage: expect.stringContaining("Replaced"),
    });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).schedule).toBeNull();
    expect((await runApply(upgrade.resizeRequestId, s.vm.id)).result).toMatchObject({ status: "applied" });

    const renewal = await renewalOf(s);
    expect(renewal.amount_paid).toBe(500 + 3 * 400 + 3 * 150);
    expect(await quantities(s.subscriptionId)).toEqual([1, 3, 3]);
  });

  it("I1, I3: a declined renewal keeps the VM at its size and says so; paying that renewal later applies the downgrade once", async () => {
    const s = await grownVm();
    const quote = await scheduleSmaller(s);
    await setCard(s.customerId, HARD_DECLINE);
    const renewal = await renewalOf(s);
    expect(renewal.status).toBe("open");
    await runMirrorFor("invoice.payment_failed", renewal.id, s.subscriptionId);
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.resizeRequestId } })).toMatchObject({
      status: "scheduled",
      customerMessage: expect.stringMatching(/^Your card was declined\. The smaller size is applied to your VM once the renewal is paid/),
    });
    expect(await applyEvents(quote.resizeRequestId)).toHaveLength(0);
    // Too late to withdraw: Stripe already bills the smaller size.
    expect(await cancelDowngradeForCustomer(s.user.id, quote.resizeRequestId)).toBe("took_effect");

    await setCard(s.customerId, "4242424242424242");
    await payInvoiceOnPage(renewal.id);
    await runMirrorFor("invoice.paid", renewal.id, s.subscriptionId);
    await runMirrorFor("invoice.payment_failed", renewal.id, s.subscriptionId); // the older event, late
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.resizeRequestId } })).toMatchObject({ status: "paid" });
    expect(await applyEvents(quote.resizeRequestId)).toHaveLength(1);
  });

  it("canceling the subscription releases a scheduled downgrade first (Stripe refuses cancel_at_period_end on a schedule-managed subscription); a schedule we did not make blocks downgrades", async () => {
    const s = await grownVm();
    const quote = await scheduleSmaller(s);
    const mirror = await db.subscription.findFirstOrThrow({ where: { stripeSubscriptionId: s.subscriptionId } });
    expect(await setCancelAtPeriodEnd({ userId: s.user.id, subscriptionId: mirror.id, cancel: true })).toEqual({ cancelAtPeriodEnd: true });
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.resizeRequestId } })).toMatchObject({ status: "canceled" });
    const live = await stripe().subscriptions.retrieve(s.subscriptionId);
    expect(live).toMatchObject({ cancel_at_period_end: true, schedule: null });

    // An operator's schedule (made in the Dashboard): we never adopt or overwrite it.
    await stripe().subscriptions.update(s.subscriptionId, { cancel_at_period_end: false });
    await stripe().subscriptionSchedules.create({ from_subscription: s.subscriptionId });
    await expect(quoteResize({ userId: s.user.id, vmId: s.vm.id, totals: { vcpus: 2, ramGb: 2, diskGb: 40 } })).rejects.toThrow(FOREIGN_SCHEDULE_MESSAGE);
  });
});
