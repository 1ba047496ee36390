// The provisioning steps of issue 26, in the order provision-vm runs them: "prepare network"
// (allocate-network.ts), "build network", "attach network" (attach-nic.ts), "configure firewall",
// then after the start "check firewall" (readiness: the VM is not handed over unless its
// firewall is exactly what it must be) and, in the bridge fallback, "update peer firewalls".
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { buildCustomerNetwork } from "@/lib/network/customer-network";
import { resyncPeers } from "@/lib/network/release-network";
import { checkVmFirewall, syncVmFirewall } from "@/lib/network/vm-firewall";

export async function buildNetwork(orderId: string): Promise<{ mode: "sdn" | "bridge"; created: string[] }> {
  const vm = placedVmOf(await loadOrder(orderId));
  if (!vm.networkId) return { mode: "bridge", created: [] };
  return { mode: "sdn", ...(await buildCustomerNetwork(vm.networkId, vm.nodeName)) };
}

export async function configureFirewall(orderId: string): Promise<{ changed: string[] }> {
  const vm = placedVmOf(await loadOrder(orderId));
  return { changed: (await syncVmFirewall(vm.id)).changed };
}

/** Puts right anything that drifted since "configure firewall", then insists it all matches. */
export async function checkFirewall(orderId: string): Promise<{ fixed: string[] }> {
  const vm = placedVmOf(await loadOrder(orderId));
  const { changed } = await syncVmFirewall(vm.id);
  const left = await checkVmFirewall(vm.id);
  if (left.length) throw new Error(`the VM firewall does not match after a sync: ${left.join("; ")}`);
  return { fixed: changed };
}

export async function updatePeerFirewalls(orderId: string): Promise<{ peers: number }> {
  const vm = placedVmOf(await loadOrder(orderId));
  if (vm.networkId || !vm.ipAddress) return { peers: 0 };
  return { peers: await resyncPeers(vm.userId, vm.id) };
}
