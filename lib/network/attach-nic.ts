// Step "attach network": the clone's NIC moves to the customer's VNet (or stays on the bridge in
// the fallback) with `firewall=1`, and cloud-init gets the VM's static address, gateway and
// nameservers. The MAC is kept: Proxmox gives a NIC written without one a new MAC (qemu-server
// parse_net), and the firewall's macfilter is bound to it. Written only where it differs (I3).
import { db } from "@/lib/db";
import { getVmConfig, setVmConfig } from "@/lib/proxmox/api";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { withProxmoxSlot, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { parseCidr } from "@/lib/network/addressing";
import { requireNetworkSettings } from "@/lib/network/allocate-network";

const NIC = /^([a-z0-9_-]+)=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})(?:,|$)/;

/** Model and MAC of a NIC line (`virtio=BC:24:11:AA:BB:CC,bridge=vmbr0`). */
export function nicIdentity(net0: string | number | undefined): { model: string; mac: string } | null {
  const m = NIC.exec(String(net0 ?? ""));
  return m ? { model: m[1]!, mac: m[2]!.toUpperCase() } : null;
}

export async function wantedNicConfig(vmId: string, currentNet0: string | number | undefined) {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, include: { network: true } });
  const settings = await requireNetworkSettings();
  if (!vm.ipAddress) throw new ProvisioningHaltedError(`VM ${vm.id} has no address: "prepare network" did not run`);
  const nic = vm.macAddress ? { model: nicIdentity(currentNet0)?.model ?? "virtio", mac: vm.macAddress } : nicIdentity(currentNet0);
  if (!nic) throw new ProvisioningHaltedError("the clone's net0 has no MAC address to keep");
  const [bridge, subnet, gateway] = vm.network
    ? [vm.network.vnet, vm.network.subnet, vm.network.gateway]
    : [settings.bridge, settings.bridgeSubnet ?? "", settings.bridgeGateway ?? ""];
  const prefix = parseCidr(subnet)?.prefix;
  if (prefix === undefined || !gateway) throw new ProvisioningHaltedError("the VM's network has no subnet or gateway");
  return {
    mac: nic.mac,
    config: {
      net0: `${nic.model}=${nic.mac},bridge=${bridge},firewall=1`,
      ipconfig0: `ip=${vm.ipAddress}/${prefix},gw=${gateway}`,
      nameserver: settings.nameservers,
    },
  };
}

export async function attachNetwork(orderId: string): Promise<{ changed: string[] }> {
  const vm = placedVmOf(await loadOrder(orderId));
  const config = await withLockRetry(() => getVmConfig(vm.nodeName, vm.vmid));
  const wanted = await wantedNicConfig(vm.id, config.net0);
  // Remember the MAC before anything is written: a lost answer must not cost the VM its MAC.
  await db.vm.updateMany({ where: { id: vm.id, macAddress: null }, data: { macAddress: wanted.mac } });
  const changed = Object.entries(wanted.config)
    .filter(([key, value]) => String(config[key] ?? "") !== value)
    .map(([key]) => key);
  if (!changed.length) return { changed };
  await withProxmoxSlot(vmSlotHolder(vm.id, "network"), () =>
    withLockRetry(() => setVmConfig(vm.nodeName, vm.vmid, Object.fromEntries(changed.map((k) => [k, wanted.config[k as keyof typeof wanted.config]])))),
  );
  return { changed };
}
