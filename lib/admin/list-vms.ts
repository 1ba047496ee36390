// The operator's VM list, with the internals customers never see (node, VMID), paged in SQL.
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { pageWindow, toPage } from "@/lib/pagination";
import { ADMIN_PAGE_SIZE } from "@/lib/admin/list-users";

const adminVmSelect = {
  id: true,
  name: true,
  vmid: true,
  nodeName: true,
  status: true,
  labType: true,
  vcpus: true,
  ramGb: true,
  diskGb: true,
  createdAt: true,
  orderId: true,
  user: { select: { email: true } },
  plan: { select: { name: true } },
} as const satisfies Prisma.VmSelect;
export type AdminVmRow = Prisma.VmGetPayload<{ select: typeof adminVmSelect }>;

export async function listAdminVms(page: number, pageSize = ADMIN_PAGE_SIZE) {
  const [items, total] = await Promise.all([
    db.vm.findMany({ orderBy: [{ createdAt: "desc" }, { id: "asc" }], select: adminVmSelect, ...pageWindow(page, pageSize) }),
    db.vm.count(),
  ]);
  return toPage(items, total, page, pageSize);
}
