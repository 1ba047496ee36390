// Resizes that are over (applied, refunded, canceled, expired), newest first: the operator's
// history beside the open ones on /admin/resizes (issue 22, Build 1).
import { db } from "@/lib/db";

export function listResizeHistory(limit = 50) {
  return db.resizeRequest.findMany({
    where: { status: { in: ["applied", "refunded", "canceled", "expired"] } },
    orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
    take: limit,
    include: { vm: { select: { name: true, orderId: true, user: { select: { id: true, email: true } } } } },
  });
}
