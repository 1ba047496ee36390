// A guest's firewall (pve-firewall PVE/API2/Firewall/{VM,Rules,IPSet}.pm), typed: options, rules
// and ipsets of `/nodes/{node}/qemu/{vmid}/firewall`. Writes need VM.Config.Network, reads
// VM.Audit. Quirks: a rule created without `enable` is disabled, and new rules go to position 0.
import { proxmoxRequest } from "@/lib/proxmox/client";

export type FirewallOptions = {
  enable?: number;
  ipfilter?: number;
  macfilter?: number;
  dhcp?: number;
  ndp?: number;
  radv?: number;
  policy_in?: string;
  policy_out?: string;
  digest?: string;
};
export type FirewallRule = {
  pos: number;
  type: string;
  action: string;
  enable?: number;
  source?: string;
  dest?: string;
  proto?: string;
  dport?: string;
  comment?: string;
  digest?: string;
};
export type IpsetEntry = { cidr: string; nomatch?: number; comment?: string };

const NODE = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/;
function base(node: string, vmid: number): string {
  if (!NODE.test(node) || !Number.isInteger(vmid) || vmid < 100 || vmid > 999_999_999) throw new Error("invalid node or vmid");
  return `/nodes/${node}/qemu/${vmid}/firewall`;
}
const IPSET = /^[A-Za-z][A-Za-z0-9_-]{1,63}$/;
function ipsetName(name: string): string {
  if (!IPSET.test(name)) throw new Error("invalid ipset name");
  return name;
}

export const getFirewallOptions = (node: string, vmid: number) => proxmoxRequest<FirewallOptions>("GET", `${base(node, vmid)}/options`);

export const setFirewallOptions = (node: string, vmid: number, options: Omit<FirewallOptions, "digest"> & { delete?: string }) =>
  proxmoxRequest<null>("PUT", `${base(node, vmid)}/options`, options);

export const listFirewallRules = (node: string, vmid: number) => proxmoxRequest<FirewallRule[]>("GET", `${base(node, vmid)}/rules`);

/** Creates a rule; Proxmox puts it at position 0 (Rules.pm create_rule unshifts). */
export const createFirewallRule = (node: string, vmid: number, rule: Omit<FirewallRule, "pos" | "digest">) =>
  proxmoxRequest<null>("POST", `${base(node, vmid)}/rules`, rule);

/** Moves the rule at `pos` before the one at `moveto` (or last, when `moveto` is past the end). */
export const moveFirewallRule = (node: string, vmid: number, pos: number, moveto: number) =>
  proxmoxRequest<null>("PUT", `${base(node, vmid)}/rules/${pos}`, { moveto });

export const deleteFirewallRule = (node: string, vmid: number, pos: number, digest?: string) =>
  proxmoxRequest<null>("DELETE", `${base(node, vmid)}/rules/${pos}`, digest ? { digest } : {});

export const listIpsets = (node: string, vmid: number) => proxmoxRequest<Array<{ name: string; comment?: string }>>("GET", `${base(node, vmid)}/ipset`);

export const createIpset = (node: string, vmid: number, name: string, comment: string) =>
  proxmoxRequest<null>("POST", `${base(node, vmid)}/ipset`, { name: ipsetName(name), comment });

export const listIpset = (node: string, vmid: number, name: string) => proxmoxRequest<IpsetEntry[]>("GET", `${base(node, vmid)}/ipset/${ipsetName(name)}`);

export const addIpsetEntry = (node: string, vmid: number, name: string, cidr: string) =>
  proxmoxRequest<null>("POST", `${base(node, vmid)}/ipset/${ipsetName(name)}`, { cidr });

/** The CIDR's slash is part of the parameter (`fragmentDelimiter => ''`): sent percent-encoded. */
export const removeIpsetEntry = (node: string, vmid: number, name: string, cidr: string) =>
  proxmoxRequest<null>("DELETE", `${base(node, vmid)}/ipset/${ipsetName(name)}/${encodeURIComponent(cidr)}`);

export const deleteIpset = (node: string, vmid: number, name: string) =>
  proxmoxRequest<null>("DELETE", `${base(node, vmid)}/ipset/${ipsetName(name)}`, { force: 1 });

/** The datacenter firewall's options (Sys.Audit on /): without `enable: 1` no guest rule applies. */
export const getClusterFirewallOptions = () => proxmoxRequest<{ enable?: number }>("GET", "/cluster/firewall/options");
