import { db } from "@/lib/db";
import { pageWindow, toPage } from "@/lib/pagination";

export const ADMIN_PAGE_SIZE = 20;

/** Newest accounts first, one page at a time (LIMIT/OFFSET in SQL, never all rows in memory). */
export async function listUsers(page: number, pageSize = ADMIN_PAGE_SIZE) {
  const [items, total] = await Promise.all([
    db.user.findMany({
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      select: { id: true, email: true, name: true, role: true, createdAt: true, disabledAt: true },
      ...pageWindow(page, pageSize),
    }),
    db.user.count(),
  ]);
  return toPage(items, total, page, pageSize);
}

/** Every plan, active or not, in catalogue order. */
export async function listPlans(page: number, pageSize = ADMIN_PAGE_SIZE) {
  const [items, total] = await Promise.all([
    db.plan.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }], ...pageWindow(page, pageSize) }),
    db.plan.count(),
  ]);
  return toPage(items, total, page, pageSize);
}
