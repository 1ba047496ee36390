// A customer network's Proxmox side: its VNet (carrying our marker in `alias`, so one found by
// name is provably ours) with its tag, its subnet (gateway, SNAT), applied with `PUT /cluster/sdn`
// under the Proxmox work budget, and removed the same way when the customer's last VM is gone.
// Each function reads before it writes and confirms what Proxmox runs, so it can run again (I3).
import { db } from "@/lib/db";
import type { CustomerNetwork } from "@/lib/generated/prisma/client";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { networkMarker, networkSlotHolder } from "@/lib/provisioning/naming";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { applySdn, createSubnet, createVnet, deleteSubnet, deleteVnet, findVnet, listSubnets, listVnets, nodeSdnZones } from "@/lib/proxmox/sdn-api";
import { pollUntil, withLockRetry } from "@/lib/proxmox/tasks";
import { ProxmoxBusyError, runLeasedTaskToEnd, withProxmoxSlot } from "@/lib/proxmox/work-slots";

/**
 * Whether the running SDN configuration has the VNet, and its subnet. A VNet's subnets can only be
 * listed while the VNet is in the current files (check_vnet_access reads those), so a VNet deleted
 * but not yet applied counts as running without its subnet.
 */
async function runningState(network: CustomerNetwork): Promise<{ vnet: boolean; subnet: boolean }> {
  const vnet = (await listVnets({ running: true })).some((v) => v.vnet === network.vnet);
  const current = vnet && !!(await findVnet(network.vnet));
  const subnet = current && (await listSubnets(network.vnet, { running: true })).some((s) => s.cidr === network.subnet);
  return { vnet, subnet };
}

/** Applies every pending SDN change and waits for the `reloadnetworkall` task (one work slot). */
async function apply(network: CustomerNetwork, done: () => Promise<boolean>) {
  await runLeasedTaskToEnd(networkSlotHolder(network.id), "SDN apply", async () => ((await done()) ? null : applySdn()));
}

/** How long a step waits for the VM's node to report the applied zone available. */
const ZONE_WAIT_MS = 30_000;
const alreadyDefined = (error: unknown) => error instanceof ProxmoxError && /already defined/.test(error.message);

/** VNet and subnet exist (created here when missing), are applied, and the VM's node has them. */
export async function buildCustomerNetwork(networkId: string, node: string): Promise<{ created: string[] }> {
  const network = await db.customerNetwork.findUniqueOrThrow({ where: { id: networkId } });
  if (network.status === "removing") throw new ProxmoxBusyError(`network:${network.id}`);
  const created: string[] = [];
  const state = await runningState(network);
  if (!state.vnet || !state.subnet) {
    await withProxmoxSlot(networkSlotHolder(network.id), async () => {
      const vnet = await findVnet(network.vnet);
      if (vnet && vnet.alias !== networkMarker(network.id))
        throw new ProvisioningHaltedError(`VNet ${network.vnet} exists in Proxmox and is not this network's`);
      if (!vnet) {
        try {
          await withLockRetry(() =>
            createVnet({ vnet: network.vnet, zone: network.zone, ...(network.tag === null ? {} : { tag: network.tag }), alias: networkMarker(network.id) }),
          );
          created.push(`vnet ${network.vnet}`);
        } catch (error) {
          // Another order of this customer created it a moment ago: the next try adopts it.
          if (!alreadyDefined(error)) throw error;
          throw new ProxmoxBusyError(`network:${network.id}`);
        }
      }
      if (!(await listSubnets(network.vnet)).some((s) => s.cidr === network.subnet)) {
        try {
          await withLockRetry(() => createSubnet(network.vnet, { subnet: network.subnet, gateway: network.gateway, snat: true }));
          created.push(`subnet ${network.subnet}`);
        } catch (error) {
          if (!alreadyDefined(error)) throw error;
        }
      }
    });
    await apply(network, async () => {
      const s = await runningState(network);
      return s.vnet && s.subnet;
    });
    const after = await runningState(network);
    if (!after.vnet || !after.subnet) throw new Error(`SDN apply finished but ${network.vnet} (${network.subnet}) is not running`);
  }
  // reloadnetworkall starts each node's reload and does not wait for it: the node must say so.
  // It usually does within seconds; a node still pending after ZONE_WAIT_MS fails the try.
  let zone: { status?: string } | undefined;
  const available = async () => {
    zone = (await nodeSdnZones(node)).find((z) => z.zone === network.zone);
    return zone?.status === "available" ? true : undefined;
  };
  if (!(await pollUntil(available, Date.now() + ZONE_WAIT_MS))) throw new Error(`SDN zone ${network.zone} is ${zone?.status ?? "missing"} on node ${node}`);
  await db.customerNetwork.updateMany({ where: { id: network.id, status: "creating" }, data: { status: "ready" } });
  return { created };
}

/**
 * Removes a network the database has marked `removing` (no VM left): its subnet and VNet if they
 * carry our marker, applied, confirmed gone from what Proxmox runs, then the row.
 */
export async function removeCustomerNetwork(networkId: string): Promise<string> {
  const network = await db.customerNetwork.findUnique({ where: { id: networkId } });
  if (!network) return "network already removed";
  if (network.status !== "removing") throw new Error(`network ${network.vnet} is ${network.status}, not removing`);
  const done: string[] = [];
  let ours = true;
  await withProxmoxSlot(networkSlotHolder(network.id), async () => {
    const vnet = await findVnet(network.vnet);
    if (!vnet) return;
    if (vnet.alias !== networkMarker(network.id)) {
      ours = false;
      done.push(`VNet ${network.vnet} is not this network's: left alone`);
      return;
    }
    for (const s of await listSubnets(network.vnet)) {
      if (s.cidr !== network.subnet) continue;
      await withLockRetry(() => deleteSubnet(network.vnet, s.subnet));
      done.push(`subnet ${s.cidr}`);
    }
    await withLockRetry(() => deleteVnet(network.vnet));
    done.push(`vnet ${network.vnet}`);
  });
  if (ours) {
    await apply(network, async () => !(await runningState(network)).vnet);
    if ((await runningState(network)).vnet) throw new Error(`SDN apply finished but ${network.vnet} is still running`);
  }
  await db.customerNetwork.deleteMany({ where: { id: network.id, status: "removing" } });
  return done.length ? `removed ${done.join(", ")}${ours ? " and applied" : ""}` : "nothing of it was left in Proxmox";
}
