// Tenant network preflight (issue 26): SDN installed, the customers' zone as the settings say (type,
// no DHCP of its own, on every enabled node and applied there), and the datacenter firewall on —
// without it Proxmox applies no VM firewall rule at all (pve-firewall compiles nothing). In the
// bridge fallback it says so plainly. Reads only.
import { db } from "@/lib/db";
import { type CheckResult, fail, guarded, pass } from "@/lib/doctor/check";
import { loadNetworkSettings } from "@/lib/network/settings";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { getClusterFirewallOptions } from "@/lib/proxmox/firewall-api";
import { getSdnZone, listSdnZones, nodeSdnZones } from "@/lib/proxmox/sdn-api";

const P = "proxmox" as const;

async function datacenterFirewall(): Promise<CheckResult> {
  const name = "datacenter firewall";
  try {
    const options = await getClusterFirewallOptions();
    return options.enable === 1
      ? pass(P, name, "on: the VM firewalls apply")
      : fail(P, name, "off: Proxmox applies no VM firewall rule (Datacenter → Firewall → Options → Firewall: Yes)");
  } catch (error) {
    if (error instanceof ProxmoxError && error.status === 403)
      return fail(P, name, `cannot read it: ${error.message} (grant Sys.Audit on / without propagation)`);
    throw error;
  }
}

async function sdnChecks(settings: NonNullable<Awaited<ReturnType<typeof loadNetworkSettings>>>, nodes: string[]): Promise<CheckResult[]> {
  if ((await listSdnZones()) === null) {
    return [
      fail(P, "SDN", "not available: /cluster/sdn is not implemented here (install libpve-network-perl, or choose the bridge fallback in admin → nodes)"),
    ];
  }
  const results = [pass(P, "SDN", "installed")];
  const name = `SDN zone ${settings.sdnZone}`;
  let zone;
  try {
    zone = await getSdnZone(settings.sdnZone);
  } catch (error) {
    if (error instanceof ProxmoxError && /does not exist/.test(error.message))
      return [...results, fail(P, name, `does not exist (create it, or set the zone in admin → nodes)`)];
    throw error;
  }
  const problems: string[] = [];
  if (zone.type !== settings.sdnZoneType) problems.push(`it is a ${zone.type} zone, the settings say ${settings.sdnZoneType}`);
  if (zone.dhcp)
    problems.push("it runs DHCP (dnsmasq): VMs are addressed statically, and PVE's IPAM would hand the same addresses out again; remove the zone's DHCP");
  if (zone.type === "simple" && nodes.length > 1)
    problems.push("a Simple zone is local to each node: one customer's VMs on two nodes could not reach each other (use a VLAN or VXLAN zone)");
  results.push(
    problems.length
      ? fail(P, name, problems.join("; "))
      : pass(P, name, `${zone.type} zone${zone.bridge ? ` on ${zone.bridge}` : ""}${zone.ipam ? `, IPAM ${zone.ipam}` : ""}`),
  );
  for (const node of nodes) {
    results.push(
      ...(await guarded(P, `${name} on ${node}`, async () => {
        const status = (await nodeSdnZones(node)).find((z) => z.zone === settings.sdnZone)?.status;
        if (status === "available") return pass(P, `${name} on ${node}`, "available");
        return fail(
          P,
          `${name} on ${node}`,
          status ? `${status}: apply the SDN configuration (Datacenter → SDN → Apply)` : `not on this node (the zone's node list, or never applied)`,
        );
      })),
    );
  }
  return results;
}

export async function runNetworkChecks(): Promise<CheckResult[]> {
  const settings = await loadNetworkSettings();
  if (!settings) return [fail(P, "network settings", "not configured (admin → nodes): provisioning refuses to build a VM without them")];
  const nodes = (await db.proxmoxNode.findMany({ where: { enabled: true }, select: { name: true }, orderBy: { name: "asc" } })).map((n) => n.name);
  const results: CheckResult[] = [];
  if (settings.mode === "sdn") results.push(...(await guarded(P, "SDN", () => sdnChecks(settings, nodes))));
  else
    results.push(
      pass(
        P,
        "network mode",
        `bridge fallback on ${settings.bridge} (${settings.bridgeSubnet}): customers share one segment and are kept apart by the VM firewall alone`,
      ),
    );
  results.push(...(await guarded(P, "datacenter firewall", datacenterFirewall)));
  return results;
}
