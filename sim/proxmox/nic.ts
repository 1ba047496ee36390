// A guest NIC (`net0: virtio=BC:24:11:..,bridge=vmbr0,firewall=1,tag=5`), qemu-server's
// PVE::QemuServer::Network::parse_net, and what changing one requires: SDN.Use on the bridge's
// zone path for the new NIC and for the one it replaces (QemuServer::check_bridge_access →
// GuestHelpers::check_vnet_access, which reads the *current* SDN files for the zone).
import type { Sim } from "./context";

const MODELS = [
  "e1000",
  "e1000-82540em",
  "e1000-82544gc",
  "e1000-82545em",
  "e1000e",
  "i82551",
  "i82557b",
  "i82559er",
  "ne2k_isa",
  "ne2k_pci",
  "pcnet",
  "rtl8139",
  "virtio",
  "vmxnet3",
];
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const KEYS = new Set(["bridge", "firewall", "link_down", "macaddr", "model", "mtu", "queues", "rate", "tag", "trunks"]);

export interface Nic {
  model: string;
  macaddr?: string;
  bridge?: string;
  firewall: boolean;
  tag?: number;
  trunks?: string;
  linkDown: boolean;
}

/** The NIC, or the format error PVE reports for `netN` (a 400 on that key). */
export function parseNic(value: string): Nic | { error: string } {
  const nic: Nic = { model: "", firewall: false, linkDown: false };
  for (const part of value.split(",")) {
    const [key, v = ""] = part.split("=");
    if (MODELS.includes(key)) {
      nic.model = key;
      if (v && !MAC.test(v)) return { error: `invalid format - format error\nnet.macaddr: value does not match the regex pattern` };
      if (v) nic.macaddr = v.toUpperCase();
    } else if (!KEYS.has(key)) {
      return { error: `invalid format - format error\nnet.${key}: property is not defined in schema and the schema does not allow additional properties` };
    } else if (key === "model") nic.model = v;
    else if (key === "macaddr") nic.macaddr = v.toUpperCase();
    else if (key === "bridge") {
      if (!/^[-_.\w\d]+$/.test(v)) return { error: "invalid format - format error\nnet.bridge: value does not match the regex pattern" };
      nic.bridge = v;
    } else if (key === "firewall" || key === "link_down") {
      if (!/^(0|1)$/.test(v)) return { error: `invalid format - format error\nnet.${key}: type check ('boolean') failed - got '${v}'` };
      if (key === "firewall") nic.firewall = v === "1";
      else nic.linkDown = v === "1";
    } else if (key === "tag") {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 4094)
        return { error: "invalid format - format error\nnet.tag: value must have a minimum value of 1" };
      nic.tag = Number(v);
    } else if (key === "trunks") nic.trunks = v;
  }
  if (!nic.model) return { error: "invalid format - format error\nnet.model: property is missing and it is not optional" };
  return nic;
}

/** check_vnet_access for one NIC value: SDN.Use on /sdn/zones/<zone>/<bridge>[/<tag>]. */
export function checkBridgeAccess(sim: Sim, value: string | number | undefined) {
  if (value === undefined) return;
  const nic = parseNic(String(value));
  if ("error" in nic || !nic.bridge) return;
  const zone = sim.sdn.zoneOfBridge(nic.bridge);
  const path = `/sdn/zones/${zone}/${nic.bridge}${nic.tag ? `/${nic.tag}` : ""}`;
  sim.permissions.check(path, ["SDN.Use"]);
}

/**
 * Whether the bridge exists on the node (PVE::Network::tap_plug dies "bridge 'x' does not exist"
 * at start otherwise): a Linux bridge every node has (`vmbr0`), or a VNet that node generated.
 */
export function bridgeExists(sim: Sim, node: string, bridge: string): boolean {
  return bridge === "vmbr0" || !!sim.sdn.vnetOnNode(bridge, node);
}
