// Resize end to end below the UI, against the Stripe and Proxmox stand-ins: a real subscription
// (Checkout paid in the stand-in), a real clone of template 9000, the quote → request → payment
// confirmation path, and the apply function run with @inngest/test.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";

// resize-view (the page's loader) is server-only: tests run outside Next.
vi.mock("server-only", () => ({}));
import { Agent, fetch as undiciFetch } from "undici";
import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { seedResourcePrices } from "@/lib/catalog/seed-data";
import { cloneVm, deleteVm, getVmConfig, vmPower } from "@/lib/proxmox/api";
import { seedCatalog } from "@/lib/catalog/seed-catalog";
import { diskSizeGb, waitForTaskOk } from "@/lib/proxmox/tasks";
import { createCheckoutFixture, findStripeEvent, inngestEvents, payCheckout, proxmoxRequests, stripeSignal } from "@/test/fixtures/checkout";
import { subscriptionSyncRequested } from "@/lib/jobs/events";
import { subscriptionSyncFunction } from "@/inngest/functions/subscription-sync";
import { subscriptionMirrorFunction } from "@/inngest/functions/subscription-mirror";
import { createTestNode, retireTestNodes } from "@/test/fixtures/capacity";
import { createUser, uniqueVmid } from "@/test/fixtures/vm";
import { retryResize } from "@/lib/resize/retry-resize";
import { refundFailedResize } from "@/lib/resize/refund-resize";
import { convergeOpenResizes } from "@/lib/resize/sweep-open-resizes";
import { failResize, openPowerActionOn, restartAfterFailure, resizedEmailKey } from "@/lib/resize/apply-resize";
import { confirmOpenResizeOf, confirmResizePayment } from "@/lib/resize/confirm-resize-payment";
import { quoteResize, NO_ROOM_MESSAGE } from "@/lib/resize/quote-resize";
import { requestResize } from "@/lib/resize/request-resize";
import { loadResizeConfirmationSecret } from "@/lib/resize/resize-view";
import { billingGate, PAYMENT_REQUIRED_MESSAGE } from "@/lib/billing-state/gates";
import { resizeVmFunction } from "@/inngest/functions/resize-vm";

const urls = inject("simUrls");
const NODE = "pve1";
const pinned = new Agent({ connect: { ca: fs.readFileSync(process.env.PROXMOX_CA_CERT_FILE!, "utf8") } });
async function pve<T = unknown>(path: string, init?: { method: string; body?: unknown }): Promise<T> {
  const response = await undiciFetch(`${urls.proxmox}/_sim${path}`, {
    dispatcher: pinned,
    method: init?.method ?? "GET",
    headers: { "content-type": "application/json" },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return (await response.json()) as T;
}
async function stripeSim(path: string, body: unknown) {
  const response = await fetch(`${urls.stripe}/_sim${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
const lastRequestId = async () => (await proxmoxRequests(urls.proxmox)).at(-1)?.id ?? 0;
const requestsFor = async (vmid: number, since: number) => (await proxmoxRequests(urls.proxmox, since)).filter((r) => r.path.includes(`/qemu/${vmid}`));

const testNodes: string[] = [];
const clones: number[] = [];
beforeAll(async () => {
  await seedCatalog(db); // node pve1 as the Proxmox stand-in has it, and the unit prices
  await db.proxmoxNode.update({ where: { name: NODE }, data: { enabled: true } });
  for (const price of seedResourcePrices) await db.resourcePrice.upsert({ where: { kind: price.kind }, create: price, update: {} });
});
afterAll(async () => {
  for (const vmid of clones) {
    await vmPower(NODE, vmid, "stop")
      .then((upid) => waitForTaskOk(upid, "stop", 30_000))
      .then(() => deleteVm(NODE, vmid))
      .then((upid) => waitForTaskOk(upid, "destroy", 30_000))
      .catch(() => undefined);
  }
  await db.proxmoxLease.deleteMany({ where: { holder: { contains: ":resize:" } } });
  await db.vm.updateMany({ where: { vmid: { in: clones } }, data: { status: "destroyed", vmid: null } });
  await retireTestNodes(testNodes);
  // Leave no open resize holding a node's room for later files.
  await db.resizeRequest.updateMany({ where: { openKey: { not: null } }, data: { status: "canceled", openKey: null } });
  await pinned.close();
});

/** A paying customer with a running VM (2 vCPU, 4 GB, 40 GB) on a monthly subscription. */
async function paidVm(opts: { card?: string; nodeName?: string; clone?: boolean } = {}) {
  const fixture = await createCheckoutFixture({ amountMinor: 2900 });
  expect(await payCheckout(urls.stripe, fixture.sessionId)).toMatchObject({ status: "complete" });
  const session = await stripe().checkout.sessions.retrieve(fixture.sessionId);
  const subscriptionId = String(session.subscription);
  const customer = String(session.customer);
  const order = await db.order.update({ where: { id: fixture.orderId }, data: { stripeSubscriptionId: subscriptionId, status: "provisioned" } });
  await db.plan.update({ where: { id: order.planId }, data: { maxVcpus: 4, maxRamGb: 8, maxDiskGb: 100 } });
  const vmid = uniqueVmid();
  if (opts.clone !== false) {
    await waitForTaskOk(await cloneVm(NODE, 9000, { newid: vmid, name: `resize-${vmid}` }), "test clone", 30_000);
    clones.push(vmid);
    await waitForTaskOk(await vmPower(NODE, vmid, "start"), "test start", 30_000);
  }
  const vm = await db.vm.create({
    data: {
      userId: fixture.userId,
      orderId: order.id,
      planId: order.planId,
      name: order.hostname,
      vmid,
      nodeName: opts.nodeName ?? NODE,
      status: "running",
      labType: "containerlab",
      vcpus: 2,
      ramGb: 4,
      diskGb: 40,
    },
  });
  if (opts.card) await stripeSim(`/customers/${customer}/card`, { number: opts.card });
  return { userId: fixture.userId, vm, vmid, subscriptionId, customer };
}

/** Both hops of a forwarded Stripe signal, as Inngest runs them: routed to its subscription, then the mirror run. */
async function runSignal(event: ReturnType<typeof stripeSignal>) {
  const { result } = await new InngestTestEngine({ function: subscriptionSyncFunction, events: [event] }).execute();
  const routed = result as { action: string; subscriptionId?: string };
  if (routed.action !== "sync-requested") return;
  const data = { subscriptionId: routed.subscriptionId!, stripeEventId: event.id };
  const request = { id: subscriptionSyncRequested.idOf(data), name: subscriptionSyncRequested.name, data };
  await new InngestTestEngine({ function: subscriptionMirrorFunction, events: [request] }).execute();
}

const BIGGER = { vcpus: 4, ramGb: 8, diskGb: 60 };

async function applyEvents(resizeRequestId: string) {
  return (await inngestEvents(urls.inngest)).filter((e) => e.name === "vm/resize.apply-requested" && e.data.resizeRequestId === resizeRequestId);
}
const runApply = (resizeRequestId: string, vmId: string, attempt = 1) =>
  new InngestTestEngine({
    function: resizeVmFunction,
    events: [{ name: "vm/resize.apply-requested", id: `resize-apply-${resizeRequestId}-${attempt}`, data: { resizeRequestId, vmId, attempt } }],
  }).execute();
const powerPosts = async (vmid: number, action: string, since: number) =>
  (await requestsFor(vmid, since)).filter((r) => r.method === "POST" && r.path.endsWith(`/status/${action}`)).length;

describe("resize (Stripe + Proxmox stand-ins)", () => {
  it("I1, I3: a paid upgrade is charged the previewed amount, applied once, emailed once; repeated confirmations and runs change nothing", async () => {
    const { userId, vm, vmid, subscriptionId } = await paidVm();
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    expect(quote!.amountDueMinor).toBeGreaterThan(0);
    // 2 vCPU × 400 + 4 GB × 150 + 2 disk steps × 100 on top of the plan's 2900.
    expect(quote!.newMonthlyMinor).toBe(2900 + 800 + 600 + 200);
    const since = await lastRequestId();

    const state = await requestResize({ userId, resizeRequestId: quote!.resizeRequestId });
    expect(state).toMatchObject({ status: "paid" });
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
    const invoice = await stripe().invoices.retrieve(row.stripeInvoiceId!);
    expect(invoice.amount_paid).toBe(quote!.amountDueMinor); // the preview's amount, to the cent
    const live = await stripe().subscriptions.retrieve(subscriptionId);
    expect(live.metadata.resizeRequestId).toBe(row.id);
    expect(live.items.data.map((i) => i.quantity).sort()).toEqual([1, 2, 2, 4]);
    expect(await requestsFor(vmid, since)).toEqual([]); // nothing on Proxmox before the apply run

    // Duplicated and reordered signals: every confirmation converges on the one queued run.
    await confirmOpenResizeOf(subscriptionId);
    await confirmResizePayment(row.id);
    const events = await applyEvents(row.id);
    expect(events).toHaveLength(1);

    const { result } = await runApply(row.id, vm.id);
    expect(result).toEqual({ resizeRequestId: row.id, status: "applied" });
    const config = await getVmConfig(NODE, vmid);
    expect(Number(config.cores)).toBe(4);
    expect(Number(config.memory)).toBe(8 * 1024);
    expect(diskSizeGb(config.scsi0)).toBe(60);
    expect((await pve<{ status: string }>(`/vms/${vmid}`)).status).toBe("running");
    expect(await powerPosts(vmid, "shutdown", since)).toBe(1);
    expect(await powerPosts(vmid, "start", since)).toBe(1);
    expect(await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({ vcpus: 4, ramGb: 8, diskGb: 60, status: "running" });
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "applied", openKey: null });
    expect(await db.emailOutbox.count({ where: { key: resizedEmailKey(row.id) } })).toBe(1);

    // A replayed event and a late signal after the apply: nothing more.
    expect((await runApply(row.id, vm.id)).result).toEqual({ resizeRequestId: row.id, skipped: "request is not paid" });
    await confirmOpenResizeOf(subscriptionId);
    expect(await powerPosts(vmid, "shutdown", since)).toBe(1);
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.resize_applied" } })).toBe(1);
  });

  it("I1: a declined card leaves the VM untouched (no Proxmox request at all) and says why; paying the invoice later applies it", async () => {
    const { userId, vm, vmid, subscriptionId, customer } = await paidVm({ card: "4000000000000002" });
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    const since = await lastRequestId();
    const state = await requestResize({ userId, resizeRequestId: quote!.resizeRequestId });
    expect(state).toMatchObject({
      status: "awaiting_payment",
      // Stripe's own card message says why (I4: words for the customer, no ids or codes).
      customerMessage: expect.stringMatching(/^Your card was declined\. Your VM is unchanged\./),
      hostedInvoiceUrl: expect.stringMatching(/^http/),
    });
    await confirmOpenResizeOf(subscriptionId); // the payment_failed signal
    expect(await applyEvents(quote!.resizeRequestId)).toHaveLength(0);
    expect(await requestsFor(vmid, since)).toEqual([]);
    expect(await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({ vcpus: 2, ramGb: 4, diskGb: 40 });

    // Another resize cannot open while this one waits for its money (one open per subscription).
    await expect(quoteResize({ userId, vmId: vm.id, totals: { ...BIGGER, vcpus: 3 } })).rejects.toThrow(/in progress/);

    await stripeSim(`/customers/${customer}/card`, { number: "4242424242424242" });
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
    await stripeSim(`/invoices/${row.stripeInvoiceId}/pay`, {});
    expect(await confirmOpenResizeOf(subscriptionId)).toMatchObject({ status: "paid" });
    expect(await applyEvents(row.id)).toHaveLength(1);
  });

  it("a plain decline offers no 'confirm with your bank' (its secret is withheld); a bank asking for 3-D Secure does", async () => {
    const declined = await paidVm({ clone: false, card: "4000000000000002" });
    const refused = await quoteResize({ userId: declined.userId, vmId: declined.vm.id, totals: BIGGER });
    await requestResize({ userId: declined.userId, resizeRequestId: refused!.resizeRequestId });
    expect(await loadResizeConfirmationSecret(declined.userId, refused!.resizeRequestId)).toBeNull();

    const secure = await paidVm({ clone: false, card: "4000002500003155" });
    const asked = await quoteResize({ userId: secure.userId, vmId: secure.vm.id, totals: BIGGER });
    expect(await requestResize({ userId: secure.userId, resizeRequestId: asked!.resizeRequestId })).toMatchObject({
      customerMessage: expect.stringMatching(/3-D Secure/),
    });
    expect(await loadResizeConfirmationSecret(secure.userId, asked!.resizeRequestId)).toEqual(expect.any(String));
    for (const { vm, id } of [
      { vm: declined.vm, id: refused!.resizeRequestId },
      { vm: secure.vm, id: asked!.resizeRequestId },
    ]) {
      await db.resizeRequest.update({ where: { id }, data: { status: "canceled", openKey: null } });
      await db.vm.update({ where: { id: vm.id }, data: { status: "destroyed" } });
    }
  });

  it("an unpaid resize expires with Stripe's pending update: request expired, VM and subscription unchanged", async () => {
    const { userId, vm, vmid, subscriptionId } = await paidVm({ card: "4000000000009995" });
    const before = (await stripe().subscriptions.retrieve(subscriptionId)).items.data.map((i) => [i.price.id, i.quantity]);
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    const since = await lastRequestId();
    expect(await requestResize({ userId, resizeRequestId: quote!.resizeRequestId })).toMatchObject({
      customerMessage: expect.stringMatching(/^Your card has insufficient funds\. /),
    });
    // What 23 h passing does (the shared clock must not move: other files' sessions depend on it).
    await stripeSim(`/subscriptions/${subscriptionId}/expire_pending_update`, {});
    expect(await confirmOpenResizeOf(subscriptionId)).toMatchObject({ status: "expired" });
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
    expect(row.openKey).toBeNull();
    expect((await stripe().invoices.retrieve(row.stripeInvoiceId!)).status).toBe("void");
    expect((await stripe().subscriptions.retrieve(subscriptionId)).items.data.map((i) => [i.price.id, i.quantity])).toEqual(before);
    expect(await requestsFor(vmid, since)).toEqual([]);
    expect(await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({ vcpus: 2, ramGb: 4, diskGb: 40 });
  });

  it("I3: the real signal chain (route → mirror → settle), with the pay-later events duplicated and reversed, queues one apply", async () => {
    const { userId, vm, subscriptionId, customer } = await paidVm({ clone: false, card: "4000000000000002" });
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    await requestResize({ userId, resizeRequestId: quote!.resizeRequestId });
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
    // The decline's own signal settles nothing.
    await runSignal(stripeSignal(await findStripeEvent(urls.stripe, "invoice.payment_failed", row.stripeInvoiceId!)));
    expect((await db.resizeRequest.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("awaiting_payment");
    await stripeSim(`/customers/${customer}/card`, { number: "4242424242424242" });
    await stripeSim(`/invoices/${row.stripeInvoiceId}/pay`, {});
    const signals = [
      stripeSignal(await findStripeEvent(urls.stripe, "invoice.paid", row.stripeInvoiceId!)),
      stripeSignal(await findStripeEvent(urls.stripe, "customer.subscription.pending_update_applied", subscriptionId)),
    ];
    for (const signal of [...signals].reverse().concat(signals)) await runSignal(signal);
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "paid" });
    expect(await applyEvents(row.id)).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.resize_paid" } })).toBe(1);
    await db.resizeRequest.update({ where: { id: row.id }, data: { status: "canceled", openKey: null } });
    await db.vm.update({ where: { id: vm.id }, data: { status: "destroyed" } });
  });

  it("I3: a payment whose signal was lost is found by the sweeper's re-read and queued once", async () => {
    const { userId, vm, customer } = await paidVm({ clone: false, card: "4000000000000002" });
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    await requestResize({ userId, resizeRequestId: quote!.resizeRequestId });
    await stripeSim(`/customers/${customer}/card`, { number: "4242424242424242" });
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
    await stripeSim(`/invoices/${row.stripeInvoiceId}/pay`, {}); // no signal reaches us
    await db.resizeRequest.update({ where: { id: row.id }, data: { updatedAt: new Date(Date.now() - 60 * 60_000) } });
    const section = await convergeOpenResizes(30);
    expect(section.items).toContainEqual({ subject: `resize ${row.id}`, outcome: "paid" });
    await db.resizeRequest.update({ where: { id: row.id }, data: { updatedAt: new Date(Date.now() - 60 * 60_000) } });
    await convergeOpenResizes(30); // still paid, not yet applying: resent with the same id
    const events = await applyEvents(row.id);
    expect(events).toHaveLength(1);
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "paid" });
    await db.resizeRequest.update({ where: { id: row.id }, data: { status: "canceled", openKey: null } });
    await db.vm.update({ where: { id: vm.id }, data: { status: "destroyed" } });
  });

  it("I5: another user can neither price nor request a resize of your VM", async () => {
    const { userId, vm } = await paidVm({ clone: false });
    const other = await paidVm({ clone: false });
    expect(await quoteResize({ userId: other.userId, vmId: vm.id, totals: BIGGER })).toBeNull();
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    expect(await requestResize({ userId: other.userId, resizeRequestId: quote!.resizeRequestId })).toBeNull();
    expect((await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } })).status).toBe("quoted");
  });

  it("capacity first: a node without room refuses before any Stripe call; disk never shrinks", async () => {
    const node = await createTestNode({ vcpus: 3, ramGb: 64, diskGb: 1000 });
    testNodes.push(node.id);
    const { userId, vm } = await paidVm({ clone: false, nodeName: node.name });
    const stripeEvents = (await stripe().events.list({ limit: 1 })).data[0]?.id;
    await expect(quoteResize({ userId, vmId: vm.id, totals: BIGGER })).rejects.toThrow(NO_ROOM_MESSAGE);
    expect((await stripe().events.list({ limit: 1 })).data[0]?.id).toBe(stripeEvents);
    expect(await db.resizeRequest.count({ where: { vmId: vm.id } })).toBe(0);
    await db.vm.update({ where: { id: vm.id }, data: { status: "destroyed" } });
  });

  it("a paid resize whose apply meets an open power action waits for it, as steps (not retries), then applies once", async () => {
    const { userId, vm, vmid } = await paidVm();
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    expect(await requestResize({ userId, resizeRequestId: quote!.resizeRequestId })).toMatchObject({ status: "paid" });
    // A reboot the customer asked for just before paying is still open when the apply run starts…
    const reboot = await db.powerRequest.create({ data: { vmId: vm.id, userId, action: "reboot", status: "running" } });
    expect(await openPowerActionOn(vm.id)).toBe(true);
    await db.powerRequest.update({ where: { id: reboot.id }, data: { status: "done", finishedAt: new Date() } });
    expect(await openPowerActionOn(vm.id)).toBe(false);
    // …and ends during the second wait (the checks answer as Proxmox's task would, minutes apart).
    const run = await new InngestTestEngine({
      function: resizeVmFunction,
      events: [
        {
          name: "vm/resize.apply-requested",
          id: `resize-apply-${quote!.resizeRequestId}-1`,
          data: { resizeRequestId: quote!.resizeRequestId, vmId: vm.id, attempt: 1 },
        },
      ],
      steps: [
        { id: "check power actions", handler: () => true },
        { id: "check power actions 2", handler: () => true },
        { id: "check power actions 3", handler: () => false },
        // @inngest/test 1.0.0 cannot pass a step.sleep on its own: the waits are mocked as done.
        { id: "wait for power action 1", handler: () => undefined },
        { id: "wait for power action 2", handler: () => undefined },
      ],
    }).execute();
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({ resizeRequestId: quote!.resizeRequestId, status: "applied" });
    const sleeps = (run.ctx.step.sleep as unknown as { mock: { calls: unknown[][] } }).mock.calls.map((c) => c[0]);
    expect([...new Set(sleeps)]).toEqual(["wait for power action 1", "wait for power action 2"]);
    expect(Number((await getVmConfig(NODE, vmid)).cores)).toBe(4);
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } })).toMatchObject({ status: "applied", applyAttempt: 1 });
  });

  it("I6: a paid resize applied while its VM is suspended for billing leaves the VM stopped (nothing automatic starts it)", async () => {
    const { userId, vm, vmid, subscriptionId } = await paidVm();
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    expect(await requestResize({ userId, resizeRequestId: quote!.resizeRequestId })).toMatchObject({ status: "paid" });
    const since = await lastRequestId();
    // The VM's own subscription is suspended between the payment and the apply run.
    const { orderId } = await db.vm.findUniqueOrThrow({ where: { id: vm.id }, select: { orderId: true } });
    const suspended = await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub_row_${vm.id}`,
        stripeSubscriptionId: `${subscriptionId}_row`,
        userId,
        orderId,
        state: "suspended",
        overdueSince: new Date(),
      },
    });
    try {
      expect((await runApply(quote!.resizeRequestId, vm.id)).result).toEqual({ resizeRequestId: quote!.resizeRequestId, status: "applied" });
      expect(Number((await getVmConfig(NODE, vmid)).cores)).toBe(4);
      expect((await pve<{ status: string }>(`/vms/${vmid}`)).status).toBe("stopped");
      expect(await powerPosts(vmid, "shutdown", since)).toBe(1);
      expect(await powerPosts(vmid, "start", since)).toBe(0);
      expect(await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({ vcpus: 4, status: "stopped" });
    } finally {
      await db.billingEnforcement.delete({ where: { id: suspended.id } });
    }
  });

  it("I6 I12: while its VM is suspended for billing, a resize is refused as payment required and Stripe is not asked for money; another VM's suspension does not refuse it", async () => {
    const { userId, vm, subscriptionId } = await paidVm({ clone: false });
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    const sibling = await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub_sib_${vm.id}`,
        stripeSubscriptionId: `${subscriptionId}_sibling`,
        userId,
        orderId: `order_sib_${vm.id}`,
        state: "suspended",
        overdueSince: new Date(),
      },
    });
    expect(await billingGate({ userId, vmId: vm.id, action: "resize" })).toEqual({ allowed: true });
    await db.billingEnforcement.delete({ where: { id: sibling.id } });
    const { orderId } = await db.vm.findUniqueOrThrow({ where: { id: vm.id }, select: { orderId: true } });
    const suspended = await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub_row_${vm.id}`,
        stripeSubscriptionId: `${subscriptionId}_row`,
        userId,
        orderId,
        state: "suspended",
        overdueSince: new Date(),
      },
    });
    try {
      await expect(quoteResize({ userId, vmId: vm.id, totals: BIGGER })).rejects.toThrow(PAYMENT_REQUIRED_MESSAGE);
      await expect(requestResize({ userId, resizeRequestId: quote!.resizeRequestId })).rejects.toMatchObject({ status: 402 });
      expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } })).toMatchObject({ status: "quoted", stripeInvoiceId: null });
      const subscription = await stripe().subscriptions.retrieve(subscriptionId);
      expect(subscription.pending_update).toBeNull();
      expect(subscription.items.data).toHaveLength(1); // the plan alone: no extra resources asked for
    } finally {
      await db.billingEnforcement.delete({ where: { id: suspended.id } });
      await db.vm.update({ where: { id: vm.id }, data: { status: "destroyed" } });
    }
  });
});

describe("resize apply faults (I8)", () => {
  const steps = [
    { step: "shut down", fault: { method: "POST", path: "/status/shutdown$", kind: "http500" } },
    { step: "set cores and memory", fault: { method: "PUT", path: "/config$", kind: "http500" } },
    { step: "grow disk", fault: { method: "PUT", path: "/resize$", kind: "failTask", reason: "disk error" } },
    { step: "start again", fault: { method: "POST", path: "/status/start$", kind: "http500" } },
  ];
  for (const { step, fault } of steps) {
    it(`a failure at "${step}" leaves a consistent VM and a failed request the operator sees (payment kept)`, async () => {
      const { userId, vm, vmid } = await paidVm();
      const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
      await requestResize({ userId, resizeRequestId: quote!.resizeRequestId });
      const added = await pve<{ id: number }>("/faults", { method: "POST", body: { ...fault, path: `/qemu/${vmid}${fault.path}`, times: 1000 } });
      try {
        const { error } = await runApply(quote!.resizeRequestId, vm.id);
        expect(String((error as Error | undefined)?.message ?? error)).toContain(step);
        // What onFailure does after the retries.
        expect(await failResize(quote!.resizeRequestId, String((error as Error).message))).toBe(true);
        await pve(`/faults/${added.id}`, { method: "DELETE" });
        await restartAfterFailure(quote!.resizeRequestId);
      } finally {
        await pve(`/faults/${added.id}`, { method: "DELETE" });
      }
      const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
      expect(row).toMatchObject({ status: "failed", failureReason: expect.stringContaining(step), openKey: row.stripeSubscriptionId });
      expect((await stripe().invoices.retrieve(row.stripeInvoiceId!)).status).toBe("paid");
      // Running again on its old CPU and RAM; the row says what the machine has (a grown disk stays).
      expect((await pve<{ status: string }>(`/vms/${vmid}`)).status).toBe("running");
      const config = await getVmConfig(NODE, vmid);
      expect([Number(config.cores), Number(config.memory)]).toEqual([2, 4096]);
      const disk = diskSizeGb(config.scsi0)!;
      if (step === "grow disk") expect(disk).toBeLessThan(60);
      else expect(disk).toBe(60);
      expect(await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({ vcpus: 2, ramGb: 4, diskGb: Math.max(40, disk), status: "running" });
      expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.resize_failed" } })).toBe(1);

      // The operator's retry (audited) applies it with the next attempt, once.
      const admin = await createUser("admin");
      expect(await retryResize({ resizeRequestId: row.id, adminId: admin.id })).toEqual({ attempt: 2 });
      await expect(retryResize({ resizeRequestId: row.id, adminId: admin.id })).resolves.toEqual({ attempt: 2 }); // a double click
      expect((await runApply(row.id, vm.id, 2)).result).toEqual({ resizeRequestId: row.id, status: "applied" });
      expect(await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({ vcpus: 4, ramGb: 8, diskGb: 60, status: "running" });
      expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.resize_retry_requested", actorId: admin.id } })).toBe(1);
      expect(await db.emailOutbox.count({ where: { key: resizedEmailKey(row.id) } })).toBe(1);
    });
  }

  it("I8: the operator refunds a failed upgrade once (audited): the invoice's payment comes back and the subscription bills the VM's current size", async () => {
    const { userId, vm, vmid, subscriptionId, customer } = await paidVm();
    const quote = await quoteResize({ userId, vmId: vm.id, totals: BIGGER });
    await requestResize({ userId, resizeRequestId: quote!.resizeRequestId });
    const added = await pve<{ id: number }>("/faults", {
      method: "POST",
      body: { method: "PUT", path: `/qemu/${vmid}/config$`, kind: "http500", times: 1000 },
    });
    try {
      const { error } = await runApply(quote!.resizeRequestId, vm.id);
      expect(await failResize(quote!.resizeRequestId, String((error as Error).message))).toBe(true);
    } finally {
      await pve(`/faults/${added.id}`, { method: "DELETE" });
    }
    await restartAfterFailure(quote!.resizeRequestId);
    const admin = await createUser("admin");
    const applied = await paidVm({ clone: false });
    await expect(
      refundFailedResize({
        resizeRequestId: (await quoteResize({ userId: applied.userId, vmId: applied.vm.id, totals: BIGGER }))!.resizeRequestId,
        adminId: admin.id,
      }),
    ).rejects.toThrow(/Only a failed resize/);

    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote!.resizeRequestId } });
    const invoice = await stripe().invoices.retrieve(row.stripeInvoiceId!);
    const outcome = await refundFailedResize({ resizeRequestId: row.id, adminId: admin.id });
    expect(outcome).toEqual({ refundedMinor: invoice.amount_paid, currency: "usd", alreadyDone: false });
    expect(await refundFailedResize({ resizeRequestId: row.id, adminId: admin.id })).toMatchObject({ alreadyDone: true }); // a double click
    expect(await db.resizeRequest.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "refunded",
      openKey: null,
      customerMessage: expect.stringContaining("refunded"),
    });
    const refunds = await stripe().refunds.list({ limit: 100 });
    expect(refunds.data.filter((r) => r.metadata?.resizeRequestId === row.id).map((r) => r.amount)).toEqual([invoice.amount_paid]);
    // The next renewal bills what the VM really has: its old CPU and RAM, and the 60 GB disk the
    // stand-in's clone has (a disk never shrinks): the plan and two disk steps.
    const vmNow = await db.vm.findUniqueOrThrow({ where: { id: vm.id } });
    expect(vmNow).toMatchObject({ vcpus: 2, ramGb: 4, diskGb: 60 });
    expect((await stripe().subscriptions.retrieve(subscriptionId)).items.data.map((i) => i.quantity).sort()).toEqual([1, 2]);
    const next = await stripe().invoices.createPreview({ customer, subscription: subscriptionId });
    expect(next.amount_due).toBe(2900 + 2 * 100);
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.resize_refunded", actorId: admin.id } })).toBe(1);
    // A refunded request is closed: the VM can be resized again.
    expect(await quoteResize({ userId, vmId: vm.id, totals: BIGGER })).toMatchObject({ amountDueMinor: expect.any(Number) });
  });
});
