// The operator's order list: every order, newest first, paged and filtered in SQL. Operators see
// the failure reason as recorded (upstream text included); customers never do (I4).
import { z } from "zod";
import { db } from "@/lib/db";
import { OrderStatus, type Prisma } from "@/lib/generated/prisma/client";
import { pageWindow, toPage } from "@/lib/pagination";
import { ADMIN_PAGE_SIZE } from "@/lib/admin/list-users";

/** `?status=` from a URL: an order status, anything else means "all". */
export const orderStatusFilterSchema = z.enum(OrderStatus).optional().catch(undefined);
export const ORDER_STATUSES = Object.values(OrderStatus);

const adminOrderSelect = {
  id: true,
  status: true,
  amountMinor: true,
  currency: true,
  interval: true,
  hostname: true,
  flagReason: true,
  failureReason: true,
  progressStep: true,
  provisionAttempts: true,
  createdAt: true,
  refundedMinor: true,
  cleanupStatus: true,
  cleanupRemaining: true,
  cleanupDeadlineAt: true,
  refundDeadlineAt: true,
  user: { select: { email: true } },
  plan: { select: { name: true } },
  vm: { select: { id: true, vmid: true } },
} as const satisfies Prisma.OrderSelect;
export type AdminOrderRow = Prisma.OrderGetPayload<{ select: typeof adminOrderSelect }>;

export async function listAdminOrders(filter: { page: number; status?: OrderStatus }, pageSize = ADMIN_PAGE_SIZE) {
  const where = filter.status ? { status: filter.status } : {};
  const [items, total] = await Promise.all([
    db.order.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], select: adminOrderSelect, ...pageWindow(filter.page, pageSize) }),
    db.order.count({ where }),
  ]);
  return toPage(items, total, filter.page, pageSize);
}

/** A flagged order Stripe may still bill (never accepted): the operator can cancel and refund it. */
export function canRefundFlaggedOrder(order: Pick<AdminOrderRow, "status" | "flagReason">): boolean {
  return order.flagReason !== null && (order.status === "awaiting_payment" || order.status === "expired");
}
