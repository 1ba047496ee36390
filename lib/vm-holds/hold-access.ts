// Cloudflare Access follows holds (issue 25): while a VM is held its Access application denies
// everyone on every hostname it covers (SSH and, for EVE-NG, the web UI) and the sessions already
// issued are revoked; lifting the last hold admits the owner again unless billing still keeps the
// VM suspended. The policy is computed in one place (lib/access/vm-access.ts, from the holds and
// the billing state); this asks for it and audits each direction once per hold (the vm-hold
// function runs one at a time per VM, so the check-then-record cannot race).
import { recordAudit } from "@/lib/audit/record-audit";
import { syncVmAccess } from "@/lib/access/vm-access";
import { db } from "@/lib/db";

const DENIED = "access denied (suspended)";

export async function syncAccessOfHold(holdId: string, direction: "placed" | "lifted"): Promise<string> {
  const { vmId, kind } = await db.vmHold.findUniqueOrThrow({ where: { id: holdId }, select: { vmId: true, kind: true } });
  const result = await syncVmAccess(vmId);
  const changed = direction === "placed" ? result === DENIED : result === "owner admitted";
  const action = direction === "placed" ? "vm.hold_access_denied" : "vm.hold_access_restored";
  if (changed) {
    const recorded = await db.auditEvent.count({ where: { subjectType: "vm", subjectId: vmId, action, data: { path: ["holdId"], equals: holdId } } });
    if (recorded === 0) await recordAudit({ type: "system" }, action, { type: "vm", id: vmId }, { holdId, kind });
  }
  return result;
}
