// Cleanup actions for a VM's network (compensation after a failed order, and deletion): run after
// "destroy vm", before the VMID goes back. Each confirms its resource gone or throws.
// - "remove vm firewall": the destroy task removes the guest's firewall file with it
//   (remove_vmfw_conf); this confirms nothing of it is left under the VMID (a file can outlive a
//   guest: the firewall API writes one for any VMID) and empties what is.
// - "release network": the VM leaves its customer's network and gives its address back; when it
//   was the customer's last VM, the network's VNet and subnet are removed and applied. In the
//   bridge fallback the customer's other VMs forget its address (their `labvps-own` set).
import { db } from "@/lib/db";
import { inngest } from "@/lib/jobs/client";
import { vmFirewallSyncRequested } from "@/lib/jobs/events";
import { deleteFirewallRule, deleteIpset, listFirewallRules, setFirewallOptions } from "@/lib/proxmox/firewall-api";
import { findClusterVm, withLockRetry } from "@/lib/proxmox/tasks";
import { withProxmoxSlot, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { loadOrder } from "@/lib/provisioning/load-order";
import { lockCustomerNetwork } from "@/lib/network/allocate-network";
import { removeCustomerNetwork } from "@/lib/network/customer-network";
import { firewallObjects } from "@/lib/network/vm-firewall";

async function anyNode(preferred: string | null): Promise<string | null> {
  if (preferred) return preferred;
  return (await db.proxmoxNode.findFirst({ where: { enabled: true }, orderBy: { name: "asc" }, select: { name: true } }))?.name ?? null;
}

export async function removeVmFirewall(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm || vm.vmid === null) return "no VMID reserved";
  const vmid = vm.vmid;
  // A guest still there was not ours (destroy left it alone): its firewall is not ours either.
  if (await findClusterVm(vmid)) return `VMID ${vmid} is held by a guest this product did not create; its firewall left alone`;
  const node = await anyNode(vm.nodeName);
  if (!node) return "no node to ask";
  const before = await firewallObjects(node, vmid);
  if (!before.options.length && !before.rules && !before.ipsets.length) return `no firewall left for VMID ${vmid}`;
  await withProxmoxSlot(vmSlotHolder(vm.id, "firewall"), async () => {
    for (let pos = (await listFirewallRules(node, vmid)).length - 1; pos >= 0; pos--) await withLockRetry(() => deleteFirewallRule(node, vmid, pos));
    for (const name of before.ipsets) await withLockRetry(() => deleteIpset(node, vmid, name));
    if (before.options.length) await withLockRetry(() => setFirewallOptions(node, vmid, { delete: before.options.join(",") }));
  });
  const after = await firewallObjects(node, vmid);
  if (after.options.length || after.rules || after.ipsets.length) throw new Error(`VMID ${vmid}'s firewall still has ${JSON.stringify(after)}`);
  return `emptied the firewall left under VMID ${vmid}`;
}

export async function releaseVmNetwork(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm) return "no VM row";
  if (vm.vmid !== null && vm.clonedAt !== null && (await findClusterVm(vm.vmid))) throw new Error(`VM ${vm.vmid} still exists: its network stays`);
  // Under the customer's lock: leave the network, and if nothing is attached to it any more, mark
  // it for removal (a retry finds it marked and finishes the removal).
  const network = await db.$transaction(async (tx) => {
    await lockCustomerNetwork(tx, vm.userId);
    await tx.vm.update({ where: { id: vm.id }, data: { networkId: null, ipAddress: null, macAddress: null } });
    const net = await tx.customerNetwork.findUnique({ where: { userId: vm.userId } });
    if (!net || (await tx.vm.count({ where: { networkId: net.id } }))) return null;
    await tx.customerNetwork.updateMany({ where: { id: net.id, status: { in: ["creating", "ready"] } }, data: { status: "removing" } });
    return net;
  });
  const gave = vm.ipAddress ? `gave back ${vm.ipAddress}` : "no address held";
  if (!vm.networkId && vm.ipAddress) await resyncPeers(vm.userId, vm.id);
  if (!network) return vm.networkId ? `${gave}; the customer's network stays for their other VMs` : gave;
  return `${gave}; the customer's last VM: ${await removeCustomerNetwork(network.id)}`;
}

/** Bridge fallback: the customer's other VMs hold this VM's address in their own set. */
export async function resyncPeers(userId: string, exceptVmId: string): Promise<number> {
  const peers = await db.vm.findMany({
    where: { userId, id: { not: exceptVmId }, networkId: null, ipAddress: { not: null }, status: { in: ["running", "stopped"] } },
    select: { id: true, firewallRevision: true },
  });
  if (peers.length) {
    await inngest.send(peers.map((p) => vmFirewallSyncRequested.once({ vmId: p.id, reason: "peers changed" }, { peersOf: exceptVmId, at: Date.now() })));
  }
  return peers.length;
}
