// The dashboard's two lists: the signed-in user's VMs and orders, paged in SQL. Only what the
// customer may see is selected (no node, no failure reason for operators, I4).
import { db } from "@/lib/db";
import { storyOfRow } from "@/lib/billing-state/billing-story";
import type { OrderStatus, Prisma, VmStatus } from "@/lib/generated/prisma/client";
import { labTypeLabel } from "@/lib/catalog/list-plans";
import { pageWindow, toPage, type Page } from "@/lib/pagination";
import { vmStatusLabel } from "@/lib/vms/vm-view";

export const DASHBOARD_PAGE_SIZE = 10;

export const customerOrderStatusLabel: Record<OrderStatus, string> = {
  awaiting_payment: "Awaiting payment",
  paid: "Paid, queued",
  provisioning: "Setting up",
  provisioned: "Ready",
  failed: "Failed",
  expired: "Expired",
  refunded: "Refunded",
  canceled: "Cancelled",
};

export type CustomerVmRow = {
  id: string;
  name: string;
  vmid: number | null;
  statusLabel: string;
  status: VmStatus;
  labType: string;
  vcpus: number;
  ramGb: number;
  diskGb: number;
};
export type CustomerOrderRow = {
  id: string;
  planName: string;
  status: OrderStatus;
  statusLabel: string;
  amountMinor: number;
  currency: string;
  interval: string;
  createdAt: Date;
};

/** The user's VMs, newest first; deleted machines are left out. */
export async function listCustomerVms(userId: string, page: number, pageSize = DASHBOARD_PAGE_SIZE): Promise<Page<CustomerVmRow>> {
  const where = { userId, status: { not: "destroyed" } } satisfies Prisma.VmWhereInput;
  const [rows, total] = await Promise.all([
    db.vm.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      select: { id: true, name: true, vmid: true, status: true, labType: true, vcpus: true, ramGb: true, diskGb: true, orderId: true },
      ...pageWindow(page, pageSize),
    }),
    db.vm.count({ where }),
  ]);
  // A VM stopped by its billing says which story it is in, never looks broken (issues 11, 16).
  const stopped = new Map(
    (
      await db.billingEnforcement.findMany({
        where: { orderId: { in: rows.map((r) => r.orderId) }, state: { in: ["suspended", "ended", "retained", "pending_deletion"] } },
        select: { orderId: true, overdueSince: true, endedAt: true, endReason: true },
      })
    ).map((r) => [r.orderId, storyOfRow(r) === "overdue" ? "Suspended for billing" : "Ended (data kept)"]),
  );
  const items = rows.map(({ orderId, ...vm }) => ({
    ...vm,
    statusLabel: stopped.get(orderId) ?? vmStatusLabel[vm.status],
    labType: labTypeLabel[vm.labType],
  }));
  return toPage(items, total, page, pageSize);
}

/** The user's orders, newest first. */
export async function listCustomerOrders(userId: string, page: number, pageSize = DASHBOARD_PAGE_SIZE): Promise<Page<CustomerOrderRow>> {
  const [rows, total] = await Promise.all([
    db.order.findMany({
      where: { userId },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      select: { id: true, status: true, amountMinor: true, currency: true, interval: true, createdAt: true, plan: { select: { name: true } } },
      ...pageWindow(page, pageSize),
    }),
    db.order.count({ where: { userId } }),
  ]);
  const items = rows.map(({ plan, ...order }) => ({ ...order, planName: plan.name, statusLabel: customerOrderStatusLabel[order.status] }));
  return toPage(items, total, page, pageSize);
}
