// Step "prepare network": the VM gets its customer's network — the one they have, or a new slot on
// their first order — and an address in it. Race-safe by construction:
// - one customer's attach and their network's removal serialise on a per-customer advisory lock,
//   so a VM is never attached to a network being torn down (it waits: ProxmoxBusyError);
// - two customers' first orders race for slots through unique indexes (slot, VNet, tag, subnet):
//   the loser's insert does nothing and it takes the next free slot; never one VNet for two;
// - slots whose VNet name, tag or subnet Proxmox already has (someone else's, or a leftover) are
//   skipped, read from the SDN configuration before claiming, as VMIDs are checked in the cluster.
import { db } from "@/lib/db";
import type { CustomerNetwork, NetworkSettings } from "@/lib/generated/prisma/client";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { ProxmoxBusyError } from "@/lib/proxmox/work-slots";
import { getSdnZone, listSdnZones, listSubnets, listVnets } from "@/lib/proxmox/sdn-api";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { hostAddresses, parseCidr, slotCount, slotLayout } from "@/lib/network/addressing";
import { loadNetworkSettings } from "@/lib/network/settings";
import { removeCustomerNetwork } from "@/lib/network/customer-network";

type Tx = Parameters<Parameters<typeof db.$transaction>[0]>[0];

export async function requireNetworkSettings(): Promise<NetworkSettings> {
  const settings = await loadNetworkSettings();
  if (!settings) throw new ProvisioningHaltedError("network settings are not configured (admin → nodes): no VM is built without tenant isolation");
  return settings;
}

/** Serialises one customer's network changes across processes (a transaction-scoped lock). */
export const lockCustomerNetwork = (tx: Tx, userId: string) => tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`labvps:network:${userId}`}))`;

/** Slots Proxmox already uses in the zone: by VNet name, by tag, or (Simple zones) by subnet. */
export async function slotsTakenInProxmox(settings: NetworkSettings): Promise<Set<number>> {
  const zones = await listSdnZones();
  if (zones === null)
    throw new ProvisioningHaltedError("SDN is not installed in this Proxmox cluster: install it, or switch to the bridge fallback (admin → nodes)");
  // Read by name (SDN.Allocate on the zone): a token lacking it gets a 403 naming it, where the
  // list would just not show the zone.
  const zone = await getSdnZone(settings.sdnZone).catch((error: unknown) => {
    if (error instanceof ProxmoxError && /does not exist/.test(error.message))
      throw new ProvisioningHaltedError(`SDN zone ${settings.sdnZone} does not exist in Proxmox (admin → nodes)`);
    throw error;
  });
  if (zone.type !== settings.sdnZoneType)
    throw new ProvisioningHaltedError(`SDN zone ${settings.sdnZone} is a ${zone.type} zone, the settings say ${settings.sdnZoneType}`);
  const count = slotCount(settings);
  const taken = new Set<number>();
  const vxlanZones = new Set(zones.filter((z) => z.type === "vxlan" || z.type === "evpn").map((z) => z.zone));
  const pool = parseCidr(settings.addressPool)!;
  const size = 2 ** (32 - settings.subnetPrefix);
  // The current files and what runs: a VNet deleted but not yet applied still holds its tag.
  const [current, running] = await Promise.all([listVnets(), listVnets({ running: true })]);
  for (const v of [...current, ...running]) {
    const named = /^lv(\d+)$/.exec(v.vnet);
    if (named) taken.add(Number(named[1]));
    // VLAN tags are unique per zone, VXLAN VNIs across every VXLAN/EVPN zone (the zone plugins).
    const sameTagSpace = settings.sdnZoneType === "vxlan" ? vxlanZones.has(v.zone ?? "") : v.zone === settings.sdnZone;
    if (settings.tagMin !== null && v.tag !== undefined && sameTagSpace) taken.add(Number(v.tag) - settings.tagMin);
    if (settings.sdnZoneType === "simple" && v.zone === settings.sdnZone && current.includes(v)) {
      for (const s of await listSubnets(v.vnet)) {
        const c = parseCidr(s.cidr);
        if (c && c.network >= pool.network && c.network < pool.network + pool.size) taken.add(Math.floor((c.network - pool.network) / size));
      }
    }
  }
  return new Set([...taken].filter((s) => s >= 0 && s < count));
}

async function claimSlot(tx: Tx, userId: string, settings: NetworkSettings, takenInProxmox: Set<number>): Promise<CustomerNetwork> {
  const count = slotCount(settings);
  for (;;) {
    const inDb = new Set((await tx.customerNetwork.findMany({ select: { slot: true } })).map((r) => r.slot));
    let slot = 0;
    while (slot < count && (inDb.has(slot) || takenInProxmox.has(slot))) slot++;
    if (slot >= count) throw new ProvisioningHaltedError(`no free customer network left: ${count} slots in ${settings.addressPool}, all taken`);
    const s = slotLayout(settings, slot);
    // ON CONFLICT DO NOTHING on every unique index: another customer took the slot a moment ago.
    const inserted = await tx.$queryRaw<Array<{ id: string }>>`
      INSERT INTO customer_networks (id, user_id, slot, zone, vnet, tag, subnet, gateway, status, created_at, updated_at)
      VALUES (${`net${crypto.randomUUID().replace(/-/g, "")}`}, ${userId}, ${slot}, ${settings.sdnZone}, ${s.vnet}, ${s.tag}, ${s.subnet}, ${s.gateway},
              'creating', now(), now())
      ON CONFLICT DO NOTHING RETURNING id`;
    if (inserted[0]) return tx.customerNetwork.findUniqueOrThrow({ where: { id: inserted[0].id } });
  }
}

/** The lowest free VM address of `subnet` (host numbers hostFirst..hostLast), set on the VM row. */
async function claimAddress(tx: Tx, vmId: string, subnet: string, settings: NetworkSettings): Promise<string> {
  const candidates = hostAddresses(subnet, settings.hostFirst, settings.hostLast);
  const used = new Set((await tx.vm.findMany({ where: { ipAddress: { in: candidates } }, select: { ipAddress: true } })).map((v) => v.ipAddress));
  const free = candidates.find((ip) => !used.has(ip));
  if (!free) throw new ProvisioningHaltedError(`no free address left in ${subnet} (hosts ${settings.hostFirst}–${settings.hostLast})`);
  await tx.vm.update({ where: { id: vmId }, data: { ipAddress: free } });
  return free;
}

export type PreparedNetwork = { mode: "sdn"; networkId: string; vnet: string; address: string } | { mode: "bridge"; bridge: string; address: string };

export async function prepareNetwork(orderId: string): Promise<PreparedNetwork> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  if (vm.ipAddress) {
    const network = vm.networkId ? await db.customerNetwork.findUnique({ where: { id: vm.networkId } }) : null;
    if (network) return { mode: "sdn", networkId: network.id, vnet: network.vnet, address: vm.ipAddress };
    return { mode: "bridge", bridge: (await requireNetworkSettings()).bridge, address: vm.ipAddress };
  }
  const settings = await requireNetworkSettings();
  if (settings.mode === "bridge") {
    if (!settings.bridgeSubnet) throw new ProvisioningHaltedError("the bridge fallback has no subnet set (admin → nodes)");
    // One subnet for every customer: addresses are handed out one at a time.
    const address = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('labvps:bridge-addresses'))`;
      return claimAddress(tx, vm.id, settings.bridgeSubnet!, settings);
    });
    return { mode: "bridge", bridge: settings.bridge, address };
  }
  for (let turn = 1; ; turn++) {
    const taken = await slotsTakenInProxmox(settings);
    const result = await db.$transaction(async (tx): Promise<{ removing: string } | { network: CustomerNetwork; address: string }> => {
      await lockCustomerNetwork(tx, vm.userId);
      let network = await tx.customerNetwork.findUnique({ where: { userId: vm.userId } });
      if (network?.status === "removing") return { removing: network.id };
      network ??= await claimSlot(tx, vm.userId, settings, taken);
      await tx.vm.update({ where: { id: vm.id }, data: { networkId: network.id } });
      return { network, address: await claimAddress(tx, vm.id, network.subnet, settings) };
    });
    if ("network" in result) return { mode: "sdn", networkId: result.network.id, vnet: result.network.vnet, address: result.address };
    // The customer's last VM went and its network is being removed: finish that (it is safe to
    // run twice), then take a fresh one. A removal that keeps failing fails this step visibly.
    if (turn > 2) throw new ProxmoxBusyError(`network:${result.removing}`);
    await removeCustomerNetwork(result.removing);
  }
}
