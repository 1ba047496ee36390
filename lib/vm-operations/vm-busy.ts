// One Proxmox operation per VM at a time (DESIGN §3): a power request, a resize being applied and
// a lab operation (snapshot, backup, restore, rebuild) each hold the VM, and none starts while
// another is open. Every request path asks here, inside the transaction that locked the VM row.
import type { db } from "@/lib/db";
import { OPEN_POWER_STATUSES } from "@/lib/power/power-request-state";

type Reader = Pick<typeof db, "powerRequest" | "resizeRequest" | "vmOperation">;

export const OPEN_OPERATION_STATUSES = ["pending", "running"] as const;

type Holder = "power" | "resize" | "operation";

/**
 * What holds the VM now, or null: "power", "resize" or "operation". `besides` leaves out kinds
 * the caller asks about its own way (a resize being applied holds the VM itself).
 */
export async function vmBusyWith(client: Reader, vmId: string, { besides = [] }: { besides?: readonly Holder[] } = {}): Promise<Holder | null> {
  if (!besides.includes("power") && (await client.powerRequest.count({ where: { vmId, status: { in: [...OPEN_POWER_STATUSES] } } }))) return "power";
  // A resize being applied, or queued to be (paid), holds it too.
  if (!besides.includes("resize") && (await client.resizeRequest.count({ where: { vmId, status: { in: ["paid", "applying"] } } }))) return "resize";
  if (!besides.includes("operation") && (await client.vmOperation.count({ where: { vmId, status: { in: [...OPEN_OPERATION_STATUSES] } } }))) return "operation";
  return null;
}
