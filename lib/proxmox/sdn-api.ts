// The SDN calls the product makes (pve-network PVE/API2/Network/SDN*.pm), typed. Writes change the
// *pending* configuration; nothing reaches a node until `PUT /cluster/sdn` (a `reloadnetworkall`
// task) applies every pending change. Ids are validated here because they go into URL paths.
import { proxmoxRequest } from "@/lib/proxmox/client";
import { ProxmoxError } from "@/lib/proxmox/errors";
import type { Upid } from "@/lib/proxmox/api";

export type SdnZone = { zone: string; type: string; bridge?: string; ipam?: string; dhcp?: string; nodes?: string; digest?: string };
export type SdnVnet = { vnet: string; zone?: string; tag?: number; alias?: string; state?: string; "isolate-ports"?: number };
export type SdnSubnet = { subnet: string; cidr: string; vnet: string; gateway?: string; snat?: number; state?: string };

const SDN_ID = /^[a-zA-Z][a-zA-Z0-9]{0,6}[a-zA-Z0-9]$/;
function sdnId(id: string): string {
  if (!SDN_ID.test(id)) throw new Error("invalid SDN id");
  return id;
}
const NODE = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/;

/** `<zone>-<ip>-<mask>`: how the API names a subnet in paths (Subnets.pm create). */
export const subnetId = (zone: string, cidr: string) => `${sdnId(zone)}-${cidr.replace("/", "-")}`;

/** Null when SDN is not installed (the `/cluster/sdn` tree is a 501, pve-manager's `$have_sdn`). */
export async function listSdnZones(): Promise<SdnZone[] | null> {
  try {
    return await proxmoxRequest<SdnZone[]>("GET", "/cluster/sdn/zones");
  } catch (error) {
    if (error instanceof ProxmoxError && error.status === 501) return null;
    throw error;
  }
}

export const getSdnZone = (zone: string) => proxmoxRequest<SdnZone>("GET", `/cluster/sdn/zones/${sdnId(zone)}`);

/** Zones a node has generated, with "available" or "pending" (Nodes/Zones.pm, readable by anyone). */
export const nodeSdnZones = (node: string) => {
  if (!NODE.test(node)) throw new Error("invalid node name");
  return proxmoxRequest<Array<{ zone: string; status: string }>>("GET", `/nodes/${node}/sdn/zones`);
};

export const listVnets = (opts: { running?: boolean } = {}) => proxmoxRequest<SdnVnet[]>("GET", "/cluster/sdn/vnets", opts.running ? { running: 1 } : {});

/** The VNet in the current (pending) configuration, or null. */
export async function findVnet(vnet: string): Promise<SdnVnet | null> {
  return (await listVnets()).find((v) => v.vnet === sdnId(vnet)) ?? null;
}

export const createVnet = (params: { vnet: string; zone: string; tag?: number; alias: string }) =>
  proxmoxRequest<null>("POST", "/cluster/sdn/vnets", { ...params, vnet: sdnId(params.vnet), zone: sdnId(params.zone) });

export const deleteVnet = (vnet: string) => proxmoxRequest<null>("DELETE", `/cluster/sdn/vnets/${sdnId(vnet)}`);

export const listSubnets = (vnet: string, opts: { running?: boolean } = {}) =>
  proxmoxRequest<SdnSubnet[]>("GET", `/cluster/sdn/vnets/${sdnId(vnet)}/subnets`, opts.running ? { running: 1 } : {});

export const createSubnet = (vnet: string, params: { subnet: string; gateway: string; snat: boolean }) =>
  proxmoxRequest<null>("POST", `/cluster/sdn/vnets/${sdnId(vnet)}/subnets`, { type: "subnet", ...params });

export const deleteSubnet = (vnet: string, id: string) => proxmoxRequest<null>("DELETE", `/cluster/sdn/vnets/${sdnId(vnet)}/subnets/${encodeURIComponent(id)}`);

/** Applies every pending SDN change cluster-wide; a UPID (`reloadnetworkall`). */
export const applySdn = () => proxmoxRequest<Upid>("PUT", "/cluster/sdn");
