// Parameter schemas of `/cluster/sdn/{zones,vnets,subnets}` (pve-network PVE/API2/Network/SDN/*.pm
// and the section-config plugins: Zones/*Plugin.pm, VnetPlugin.pm, SubnetPlugin.pm). The create
// schema is the union of every plugin's properties (SectionConfig::createSchema); what a zone TYPE
// may carry is checked afterwards by check_config ("unexpected property 'dhcp'" on a VLAN zone).
import { formats, type Schema } from "./schema";

export const ZONE_TYPES = ["evpn", "faucet", "qinq", "simple", "vlan", "vxlan"] as const;
export type ZoneType = (typeof ZONE_TYPES)[number];

// pve-sdn-zone-id / pve-sdn-vnet-id (Zones/Plugin.pm, VnetPlugin.pm).
const SDN_ID = { type: "string", pattern: /[a-zA-Z][a-zA-Z0-9]*[a-zA-Z0-9]/, minLength: 2, maxLength: 8 } as const;

const ZONE_PROPERTIES: Schema = {
  mtu: { type: "integer", optional: true },
  dns: { type: "string", optional: true },
  reversedns: { type: "string", optional: true },
  dnszone: { type: "string", optional: true },
  ipam: { type: "string", optional: true },
  dhcp: { type: "string", enum: ["dnsmasq"], optional: true },
  "rt-import": { type: "string", optional: true },
  "vrf-vxlan": { type: "integer", minimum: 1, maximum: 16777215, optional: true },
  mac: { type: "string", optional: true },
  controller: { type: "string", optional: true },
  nodes: { type: "string", format: formats.nodeList, optional: true },
  exitnodes: { type: "string", format: formats.nodeList, optional: true },
  "exitnodes-local-routing": { type: "boolean", optional: true },
  "exitnodes-primary": { type: "string", optional: true },
  "advertise-subnets": { type: "boolean", optional: true },
  "disable-arp-nd-suppression": { type: "boolean", optional: true },
  tag: { type: "integer", minimum: 0, optional: true },
  "vlan-protocol": { type: "string", enum: ["802.1q", "802.1ad"], optional: true },
  peers: { type: "string", format: formats.ipList, optional: true },
  "vxlan-port": { type: "integer", minimum: 1, maximum: 65536, optional: true },
  bridge: { type: "string", optional: true },
  "bridge-disable-mac-learning": { type: "boolean", optional: true },
  fabric: { type: "string", optional: true },
};

/** Each zone type's options and which of them are required (the plugins' `options`). */
export const ZONE_OPTIONS: Record<ZoneType, Record<string, { optional: boolean }>> = {
  simple: opts(["nodes", "mtu", "dns", "reversedns", "dnszone", "ipam", "dhcp"]),
  vlan: opts(["nodes", "bridge-disable-mac-learning", "mtu", "dns", "reversedns", "dnszone", "ipam"], ["bridge"]),
  qinq: opts(["nodes", "bridge-disable-mac-learning", "mtu", "vlan-protocol", "dns", "reversedns", "dnszone", "ipam"], ["tag", "bridge"]),
  vxlan: opts(["nodes", "peers", "vxlan-port", "mtu", "dns", "reversedns", "dnszone", "ipam", "fabric"]),
  evpn: opts(
    [
      "nodes",
      "exitnodes",
      "exitnodes-local-routing",
      "exitnodes-primary",
      "advertise-subnets",
      "disable-arp-nd-suppression",
      "bridge-disable-mac-learning",
      "rt-import",
      "vxlan-port",
      "mtu",
      "mac",
      "dns",
      "reversedns",
      "dnszone",
      "ipam",
    ],
    ["vrf-vxlan", "controller"],
  ),
  faucet: opts(["nodes", "mtu", "dns", "reversedns", "dnszone", "ipam"]),
};

function opts(optional: string[], required: string[] = []) {
  return Object.fromEntries([...optional.map((k) => [k, { optional: true }]), ...required.map((k) => [k, { optional: false }])]);
}

/** `lock-token` (pve-sdn-lock-token) exists from pve-network 1.1 (PVE 9) only. */
const lockToken = (version: 8 | 9): Schema => (version >= 9 ? { "lock-token": { type: "string", optional: true } } : {});

export const zoneCreateSchema = (version: 8 | 9): Schema => ({
  zone: SDN_ID,
  type: { type: "string", enum: [...ZONE_TYPES] },
  ...ZONE_PROPERTIES,
  ...lockToken(version),
});

export const zoneUpdateSchema = (version: 8 | 9): Schema => ({
  zone: SDN_ID,
  ...ZONE_PROPERTIES,
  delete: { type: "string", format: formats.configIdList, optional: true },
  digest: { type: "string", maxLength: 64, optional: true },
  ...lockToken(version),
});

export const zoneIdSchema = (version: 8 | 9, extra: Schema = {}): Schema => ({ zone: SDN_ID, ...extra, ...lockToken(version) });

const VNET_PROPERTIES: Schema = {
  zone: { type: "string" },
  type: { type: "string", enum: ["vnet"], optional: true },
  tag: { type: "integer", minimum: 1, maximum: 16777215, optional: true },
  vlanaware: { type: "boolean", optional: true },
  // Perl's unanchored class `[\(\)-_.\w\d\s]`: `)-_` is a range, so most printable ASCII passes.
  alias: { type: "string", pattern: /[()-_.\w\d\s]{0,256}/, maxLength: 256, optional: true },
  "isolate-ports": { type: "boolean", optional: true },
};

export const vnetCreateSchema = (version: 8 | 9): Schema => ({ vnet: SDN_ID, ...VNET_PROPERTIES, ...lockToken(version) });

export const vnetUpdateSchema = (version: 8 | 9): Schema => ({
  vnet: SDN_ID,
  ...VNET_PROPERTIES,
  zone: { ...VNET_PROPERTIES.zone, optional: true },
  delete: { type: "string", format: formats.configIdList, optional: true },
  digest: { type: "string", maxLength: 64, optional: true },
  ...lockToken(version),
});

export const vnetIdSchema = (version: 8 | 9, extra: Schema = {}): Schema => ({ vnet: SDN_ID, ...extra, ...lockToken(version) });

// pve-sdn-subnet-id: a CIDR, or `<zone>-<ip>-<mask>` as the API's paths name them.
const subnetId = (v: string) => {
  const cidr = v.includes("/") ? v : v.split("-").slice(1).join("/");
  return formats.cidr(cidr);
};

const SUBNET_PROPERTIES: Schema = {
  gateway: { type: "string", format: formats.ip, optional: true },
  snat: { type: "boolean", optional: true },
  dnszoneprefix: { type: "string", optional: true },
  // An array of `start-address=<ip>,end-address=<ip>` property strings.
  "dhcp-range": { type: "string", optional: true },
  "dhcp-dns-server": { type: "string", format: formats.ip, optional: true },
};

export const subnetCreateSchema = (version: 8 | 9): Schema => ({
  subnet: { type: "string", format: subnetId },
  type: { type: "string", enum: ["subnet"] },
  vnet: SDN_ID,
  ...SUBNET_PROPERTIES,
  ...lockToken(version),
});

export const subnetUpdateSchema = (version: 8 | 9): Schema => ({
  subnet: { type: "string", format: subnetId },
  vnet: { ...SDN_ID, optional: true },
  ...SUBNET_PROPERTIES,
  delete: { type: "string", format: formats.configIdList, optional: true },
  digest: { type: "string", maxLength: 64, optional: true },
  ...lockToken(version),
});

export const subnetIdSchema = (version: 8 | 9, extra: Schema = {}): Schema => ({
  vnet: SDN_ID,
  subnet: { type: "string", format: subnetId },
  ...extra,
  ...lockToken(version),
});

export const listSchema = (extra: Schema = {}): Schema => ({
  running: { type: "boolean", optional: true },
  pending: { type: "boolean", optional: true },
  ...extra,
});
