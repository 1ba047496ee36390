// Keeping what provisioning set up true afterwards (issue 26): every managed VM's firewall is
// re-checked by the vm-firewall function (one run per VM, so it never interleaves with a customer's
// change; a drift put right is audited there), and a network whose removal stopped half way is
// finished. Database reads here; the Proxmox work happens in those steps.
import { db } from "@/lib/db";
import { removeCustomerNetwork } from "@/lib/network/customer-network";

/** VMs whose firewall this product manages: built with an address, not gone. */
export async function listManagedVms(limit = 1000): Promise<string[]> {
  const vms = await db.vm.findMany({
    where: { ipAddress: { not: null }, vmid: { not: null }, status: { in: ["running", "stopped"] } },
    select: { id: true },
    orderBy: { id: "asc" },
    take: limit,
  });
  return vms.map((v) => v.id);
}

/** Networks marked for removal more than `minutes` ago (a cleanup that did not get to the end). */
export async function listStuckRemovals(minutes = 30): Promise<string[]> {
  const rows = await db.customerNetwork.findMany({
    where: { status: "removing", updatedAt: { lt: new Date(Date.now() - minutes * 60_000) } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

export const finishNetworkRemoval = (networkId: string) => removeCustomerNetwork(networkId);
