// The operator's order and VM lists and the retry action, through the real session helpers and
// action wrapper; only Auth.js's auth() is replaced by a settable session.
import { beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { db } from "@/lib/db";
import { idleState } from "@/lib/actions/form-state";
import { listAdminOrders, orderStatusFilterSchema } from "@/lib/admin/list-orders";
import { listAdminVms } from "@/lib/admin/list-vms";
import { renderPage, textOf } from "@/test/fixtures/render";
import { createOrder, createPlan, createUser, createVmFixture, digestOf, formData } from "@/test/fixtures/vm";
import AdminLayout from "@/app/admin/layout";
import AdminVmsPage from "@/app/admin/vms/page";
import AdminOrdersPage from "./page";
import { cancelAndRefundAction, retryProvisioningAction } from "./actions";
import { confirmCheckout, readCheckoutSession } from "@/lib/billing/confirm-checkout";
import { createCheckoutFixture, payCheckout } from "@/test/fixtures/checkout";

const FORBIDDEN = "NEXT_HTTP_ERROR_FALLBACK;403";
const noSearch = () => Promise.resolve({});

let adminId: string;
let customerId: string;
beforeAll(async () => {
  // forbidden() is an opt-in Next.js API (next.config.ts: experimental.authInterrupts).
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  adminId = (await createUser("admin")).id;
  customerId = (await createUser()).id;
});
beforeEach(() => {
  session.userId = null;
});

describe("admin pages", () => {
  it("I8: show a failed order's cleanup while it runs and, past its deadline, what remains with a cleanup retry; no provisioning retry until it is done", async () => {
    session.userId = adminId;
    const plan = await createPlan();
    const owner = await createUser();
    const cleaning = await createOrder({ userId: owner.id, planId: plan.id, status: "failed", failureReason: "start vm: boom" });
    const overdue = await createOrder({ userId: owner.id, planId: plan.id, status: "failed", failureReason: "start vm: boom" });
    await db.order.update({ where: { id: cleaning.id }, data: { cleanupStatus: "in_progress" } });
    await db.order.update({
      where: { id: overdue.id },
      data: { cleanupStatus: "overdue", cleanupRemaining: "delete tunnel and dns: FAILED (500 from Cloudflare)" },
    });
    const html = await renderPage(AdminOrdersPage({ searchParams: Promise.resolve({ status: "failed", page: "1" }) }));
    const rowOf = (id: string) => {
      const start = html.indexOf(`data-order-id="${id}"`);
      return textOf(html.slice(start, html.indexOf("</tr>", start)));
    };
    expect(rowOf(cleaning.id)).toContain("cleanup in progress");
    expect(rowOf(cleaning.id)).not.toMatch(/Retry/);
    expect(rowOf(overdue.id)).toContain("cleanup overdue: needs an operator");
    expect(rowOf(overdue.id)).toContain("delete tunnel and dns: FAILED (500 from Cloudflare)");
    expect(rowOf(overdue.id)).not.toContain("Retry provisioning");
    expect(rowOf(overdue.id)).toContain("Retry cleanup"); // after the operator removed what blocks it
  });

  it("answer 403 to a customer: layout, orders and VMs", async () => {
    session.userId = customerId;
    expect(await digestOf(AdminLayout({ children: null }))).toBe(FORBIDDEN);
    expect(await digestOf(AdminOrdersPage({ searchParams: noSearch() }))).toBe(FORBIDDEN);
    expect(await digestOf(AdminVmsPage({ searchParams: noSearch() }))).toBe(FORBIDDEN);
  });

  it("send a signed-out visitor to sign in, and show an operator the orders and VMs", async () => {
    expect(await digestOf(AdminOrdersPage({ searchParams: noSearch() }))).toMatch(/^NEXT_REDIRECT;.*sign-in\?next=%2Fadmin%2Forders/);
    session.userId = adminId;
    const plan = await createPlan();
    const owner = await createUser();
    // Created now, so newer than every earlier file's rows: on page 1 (later tests here use future dates).
    const provisioned = await createOrder({ userId: owner.id, planId: plan.id, status: "provisioned" });
    const failed = await createOrder({ userId: owner.id, planId: plan.id, status: "failed", failureReason: "clone: VM is locked (backup)" });

    const failedOnly = await renderPage(AdminOrdersPage({ searchParams: Promise.resolve({ status: "failed", page: "1" }) }));
    expect(failedOnly).toContain(`data-order-id="${failed.id}"`);
    expect(failedOnly).not.toContain(`data-order-id="${provisioned.id}"`);
    const row = textOf(failedOnly.slice(failedOnly.indexOf(`data-order-id="${failed.id}"`)));
    expect(row).toContain(owner.email);
    expect(row).toContain("clone: VM is locked (backup)");
    expect(row).toMatch(/Retry/);
    expect(textOf(await renderPage(AdminOrdersPage({ searchParams: noSearch() })))).toContain(failed.hostname);

    const vm = await createVmFixture({ status: "running" });
    const vms = textOf(await renderPage(AdminVmsPage({ searchParams: noSearch() })));
    expect(vms).toContain(String(vm.vm.vmid));
    expect(vms).toContain(vm.vm.nodeName!);
  });
});

describe("admin order list", () => {
  it("pages all customers' orders in SQL, newest first, with the operator's failure and flag reasons", async () => {
    const plan = await createPlan();
    const [alice, bob] = [await createUser(), await createUser()];
    const future = Date.now() + 365 * 24 * 3600_000; // above every other test's rows
    const failed = await createOrder({
      userId: alice.id,
      planId: plan.id,
      status: "failed",
      failureReason: "clone: VM is locked (backup) on pve1",
      createdAt: new Date(future + 3000),
    });
    const flagged = await createOrder({
      userId: bob.id,
      planId: plan.id,
      status: "awaiting_payment",
      flagReason: "amount 100 does not match 2900",
      createdAt: new Date(future + 2000),
    });
    const older = await createOrder({ userId: alice.id, planId: plan.id, status: "provisioned", createdAt: new Date(future + 1000) });

    const first = await listAdminOrders({ page: 1 }, 2);
    expect(first.items.map((o) => o.id)).toEqual([failed.id, flagged.id]);
    expect(first.total).toBe(await db.order.count());
    expect(first.pageCount).toBe(Math.ceil(first.total / 2));
    expect(first.items[0]).toMatchObject({
      status: "failed",
      failureReason: "clone: VM is locked (backup) on pve1",
      provisionAttempts: 0,
      user: { email: expect.stringContaining("customer.") },
      plan: { name: plan.name },
    });
    expect(first.items[1]).toMatchObject({ flagReason: "amount 100 does not match 2900" });
    expect((await listAdminOrders({ page: 2 }, 2)).items[0].id).toBe(older.id);

    const onlyFailed = await listAdminOrders({ page: 1, status: "failed" }, 100);
    expect(onlyFailed.items.every((o) => o.status === "failed")).toBe(true);
    expect(onlyFailed.total).toBe(await db.order.count({ where: { status: "failed" } }));
    expect(onlyFailed.items.map((o) => o.id)).toContain(failed.id);
  });

  it("reads an unknown status filter as 'all'", () => {
    expect(orderStatusFilterSchema.parse("failed")).toBe("failed");
    expect(orderStatusFilterSchema.parse("bogus")).toBeUndefined();
    expect(orderStatusFilterSchema.parse(undefined)).toBeUndefined();
  });
});

describe("admin VM list", () => {
  it("shows node, VMID, status, owner and plan, paged in SQL", async () => {
    const { vm, plan, userId } = await createVmFixture({ nodeName: "pve-admin-9" });
    await db.vm.update({ where: { id: vm.id }, data: { createdAt: new Date(Date.now() + 400 * 24 * 3600_000) } });
    const page = await listAdminVms(1, 1);
    expect(page.items).toHaveLength(1);
    expect(page.total).toBe(await db.vm.count());
    const owner = await db.user.findUniqueOrThrow({ where: { id: userId } });
    expect(page.items[0]).toMatchObject({
      id: vm.id,
      nodeName: "pve-admin-9",
      vmid: vm.vmid,
      status: "running",
      user: { email: owner.email },
      plan: { name: plan.name },
    });
  });
});

describe("retry provisioning action", () => {
  it("is refused to a customer (403) and writes nothing", async () => {
    const order = await createOrder({ userId: customerId, planId: (await createPlan()).id, status: "failed" });
    session.userId = customerId;
    expect(await digestOf(retryProvisioningAction(idleState, formData({ orderId: order.id })))).toBe(FORBIDDEN);
    expect(await db.auditEvent.count({ where: { subjectId: order.id } })).toBe(0);
  });

  it("I10: validates its input and refuses an order that is not failed, writing nothing", async () => {
    session.userId = adminId;
    expect(await retryProvisioningAction(idleState, formData({}))).toMatchObject({ status: "error", fieldErrors: { orderId: expect.any(String) } });
    const order = await createOrder({ userId: customerId, planId: (await createPlan()).id, status: "provisioned" });
    expect(await retryProvisioningAction(idleState, formData({ orderId: order.id }))).toMatchObject({
      status: "error",
      message: expect.stringMatching(/Only a failed order can be retried/),
    });
    expect(await db.auditEvent.count({ where: { subjectId: order.id } })).toBe(0);
  });

  it("re-queues a failed order for the next attempt, audited with the operator's id", async () => {
    session.userId = adminId;
    const order = await createOrder({ userId: customerId, planId: (await createPlan()).id, status: "failed", failureReason: "start: timeout" });
    expect(await retryProvisioningAction(idleState, formData({ orderId: order.id }))).toEqual({ status: "success", message: "Provisioning restarted." });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectId: order.id, action: "order.provisioning_retry_requested" } });
    expect(audit).toMatchObject({ actorType: "admin", actorId: adminId, data: { attempt: 1 } });
    const event = await (await fetch(`${inject("simUrls").inngest}/_sim/events/order-paid-${order.id}-1`)).json();
    expect(event).toMatchObject({ name: "order/paid", data: { orderId: order.id, attempt: 1 } });
  });
});

describe("cancel and refund action", () => {
  /** A checkout paid at 1900 for an order of 2000: flagged, unpaid, still billing in Stripe. */
  async function flagged() {
    const fixture = await createCheckoutFixture({ amountMinor: 1900 });
    await db.order.update({ where: { id: fixture.orderId }, data: { amountMinor: 2000 } });
    await payCheckout(inject("simUrls").stripe, fixture.sessionId);
    await confirmCheckout(await readCheckoutSession(fixture.sessionId), `evt_admin_flag_${fixture.orderId}`);
    return fixture.orderId;
  }

  it("is refused to a customer (403) and refunds nothing", async () => {
    const orderId = await flagged();
    session.userId = customerId;
    expect(await digestOf(cancelAndRefundAction(idleState, formData({ orderId, confirm: "yes" })))).toBe(FORBIDDEN);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("awaiting_payment");
  });

  it("I10: wants the confirmation box ticked, and refuses an order that is not flagged", async () => {
    session.userId = adminId;
    const orderId = await flagged();
    expect(await cancelAndRefundAction(idleState, formData({ orderId }))).toMatchObject({
      status: "error",
      fieldErrors: { confirm: "Tick the box to confirm the refund." },
    });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("awaiting_payment");
    const plain = await createOrder({ userId: customerId, planId: (await createPlan()).id, status: "awaiting_payment" });
    expect(await cancelAndRefundAction(idleState, formData({ orderId: plain.id, confirm: "yes" }))).toMatchObject({
      status: "error",
      message: expect.stringMatching(/Only a flagged order/),
    });
  });

  it("cancels and refunds a flagged order, audited with the operator's id; a second click says it is done", async () => {
    session.userId = adminId;
    const orderId = await flagged();
    // The button is on the flagged order's row, and on no other kind of row.
    const rowOf = (html: string, id: string) => html.slice(html.indexOf(`data-order-id="${id}"`)).split("</tr>")[0];
    const plain = await createOrder({ userId: customerId, planId: (await createPlan()).id, status: "provisioned" });
    const before = await renderPage(AdminOrdersPage({ searchParams: noSearch() }));
    expect(textOf(rowOf(before, orderId))).toMatch(/Flagged: paid 1900 usd, order is 2000 usd.*Cancel and refund/);
    expect(textOf(rowOf(before, plain.id))).not.toContain("Cancel and refund");

    expect(await cancelAndRefundAction(idleState, formData({ orderId, confirm: "yes" }))).toEqual({
      status: "success",
      message: "Subscription cancelled, $19 refunded.",
    });
    expect(await cancelAndRefundAction(idleState, formData({ orderId, confirm: "yes" }))).toEqual({
      status: "success",
      message: "Already cancelled and refunded ($19).",
    });
    expect(await db.auditEvent.findFirstOrThrow({ where: { subjectId: orderId, action: "order.canceled_and_refunded" } })).toMatchObject({
      actorType: "admin",
      actorId: adminId,
    });
    expect((await listAdminOrders({ page: 1, status: "refunded" }, 100)).items.find((o) => o.id === orderId)).toMatchObject({ refundedMinor: 1900 });
    const after = textOf(rowOf(await renderPage(AdminOrdersPage({ searchParams: Promise.resolve({ status: "refunded" }) })), orderId));
    expect(after).toContain("Refunded $19");
    expect(after).not.toContain("Cancel and refund");
  });
});
