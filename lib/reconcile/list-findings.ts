// The findings the reconcile page shows: reads of our own table only, apart from the finders so the
// page imports no Proxmox or Cloudflare code (I2).
import { db } from "@/lib/db";

export function listOpenFindings() {
  return db.reconcileFinding.findMany({ where: { openKey: { not: null } }, orderBy: [{ firstSeenAt: "asc" }, { id: "asc" }], take: 500 });
}

export function listRecentlyClosedFindings(limit = 30) {
  return db.reconcileFinding.findMany({ where: { openKey: null }, orderBy: { resolvedAt: "desc" }, take: limit });
}
