// The writes behind `/cluster/sdn/{zones,vnets,subnets}`, with pve-network's checks in its order.
// Inside lock_sdn_config an error is re-raised as "<what> failed: <error>" (PVE::Network::SDN
// lock_sdn_domain), so a parameter exception there becomes a 500 whose text starts with
// "400 Parameter verification failed." (PVE::Exception stringify) — not a 400 with `errors`.
import type { Sim } from "./context";
import { ParamError, PveError } from "./errors";
import { cidrRange, inCidr, ipToInt } from "./ipv4";
import { asBool } from "./schema";
import { type Section, type SdnFiles, parseSubnetId } from "./sdn";
import { ZONE_OPTIONS, ZONE_TYPES, type ZoneType } from "./sdn-schema";

const META = new Set(["zone", "vnet", "subnet", "type", "lock-token", "digest", "delete", "release-lock"]);
const NUMERIC = new Set(["mtu", "vrf-vxlan", "tag", "vxlan-port", "snat", "vlanaware", "isolate-ports", "exitnodes-local-routing", "advertise-subnets"]);
const BOOLEAN = new Set([
  "snat",
  "vlanaware",
  "isolate-ports",
  "exitnodes-local-routing",
  "advertise-subnets",
  "disable-arp-nd-suppression",
  "bridge-disable-mac-learning",
]);

export function inLock<T>(what: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof ParamError) {
      const lines = Object.entries(err.errors).map(([k, v]) => `${k}: ${v}`);
      throw new PveError(`${what}: 400 Parameter verification failed.\n${lines.join("\n")}\n`);
    }
    throw new PveError(`${what}: ${(err as Error).message}`);
  }
}

function values(args: Record<string, string>): Section {
  const out: Section = {};
  for (const [k, v] of Object.entries(args)) {
    if (META.has(k)) continue;
    if (k === "dhcp-range") out[k] = v.startsWith("[") ? (JSON.parse(v) as string[]) : [v];
    else out[k] = BOOLEAN.has(k) ? asBool(v)! : NUMERIC.has(k) ? Number(v) : v;
  }
  return out;
}

/** SectionConfig::check_config for a zone type: only that type's options, required ones present. */
function checkZoneOptions(type: ZoneType, section: Section, create: boolean) {
  const options = ZONE_OPTIONS[type];
  for (const key of Object.keys(section)) if (!options[key]) throw new PveError(`unexpected property '${key}'`);
  if (create)
    for (const [key, o] of Object.entries(options))
      if (!o.optional && section[key] === undefined) throw new PveError(`missing value for required option '${key}'`);
}

function applyDelete(section: Section, del: string | undefined) {
  for (const key of (del ?? "").split(/[,;\s]+/).filter(Boolean)) delete section[key];
}

function assertDigest(sim: Sim, kind: keyof SdnFiles, digest: string | undefined) {
  if (digest && digest !== sim.sdn.digest(kind)) throw new PveError("detected modified configuration - file changed by other user? Try again.");
}

function checkZoneRefs(section: Section) {
  if (section.ipam !== undefined && section.ipam !== "pve") throw new ParamError({ ipam: `${section.ipam} not existing` });
  if (section.dns !== undefined) throw new ParamError({ dns: `${section.dns} don't exist` });
  if (section.reversedns !== undefined) throw new ParamError({ reversedns: `${section.reversedns} don't exist` });
  if (section.dnszone !== undefined) throw new ParamError({ dnszone: "missing dns server" });
}

/** VxlanPlugin::on_update_hook: exactly one of peers / fabric. */
function zoneUpdateHook(section: Section) {
  if (section.type === "vxlan" && !!section.peers === !!section.fabric) {
    throw new ParamError({ peers: "must have exactly one of peers / fabric defined", fabric: "must have exactly one of peers / fabric defined" });
  }
}

export function createZone(sim: Sim, args: Record<string, string>) {
  const type = args.type as ZoneType;
  const section = values(args);
  checkZoneOptions(type, section, true);
  inLock("create sdn zone object failed", () => {
    if (sim.sdn.files.zones[args.zone]) throw new PveError(`sdn zone object ID '${args.zone}' already defined`);
    checkZoneRefs(section);
    const zone = { type, ...section };
    zoneUpdateHook(zone);
    sim.sdn.files.zones[args.zone] = zone;
  });
}

export function updateZone(sim: Sim, args: Record<string, string>) {
  inLock("update sdn zone object failed", () => {
    assertDigest(sim, "zones", args.digest);
    const current = sim.sdn.files.zones[args.zone];
    if (!current) throw new PveError(`sdn '${args.zone}' does not exist`);
    const section = values(args);
    checkZoneOptions(current.type as ZoneType, section, false);
    const next = { ...current };
    applyDelete(next, args.delete);
    Object.assign(next, section);
    checkZoneRefs(section);
    zoneUpdateHook(next);
    sim.sdn.files.zones[args.zone] = next;
  });
}

export function deleteZone(sim: Sim, zone: string) {
  inLock("delete sdn zone object failed", () => {
    if (!sim.sdn.files.zones[zone]) throw new PveError(`sdn '${zone}' does not exist`);
    for (const [id, v] of Object.entries(sim.sdn.files.vnets)) {
      if (v.zone === zone) throw new PveError(`zone ${zone} is used by vnet ${id} at /usr/share/perl5/PVE/Network/SDN/Zones/Plugin.pm line 148.`);
    }
    delete sim.sdn.files.zones[zone];
  });
}

const subnetsOf = (files: SdnFiles, vnet: string) => Object.entries(files.subnets).filter(([, s]) => s.vnet === vnet);

/** Each zone plugin's vnet_update_hook: what a tag must be in that zone type. */
function vnetUpdateHook(files: SdnFiles, id: string) {
  const vnet = files.vnets[id];
  const zone = files.zones[String(vnet.zone)];
  // Zones::Plugin->lookup(undef type): the zone does not exist.
  if (!zone) throw new PveError("unknown section type ''");
  const tag = vnet.tag === undefined ? undefined : Number(vnet.tag);
  const others = Object.entries(files.vnets).filter(([other]) => other !== id);
  switch (zone.type as ZoneType) {
    case "simple":
      if (tag !== undefined) throw new ParamError({ tag: "vlan tag is not allowed on simple zone" });
      break;
    case "vlan":
      if (tag === undefined) throw new ParamError({ tag: "missing vlan tag" });
      if (tag > 4096) throw new ParamError({ tag: "vlan tag max value is 4096" });
      for (const [other, o] of others)
        if (o.zone === vnet.zone && Number(o.tag) === tag) throw new ParamError({ tag: `tag ${tag} already exist in vnet ${other}` });
      break;
    case "vxlan":
    case "evpn":
      if (tag === undefined) throw new ParamError({ tag: "missing vxlan tag" });
      if (tag > 16777216) throw new ParamError({ tag: "vxlan tag max value is 16777216" });
      for (const [other, o] of others) {
        const otherType = files.zones[String(o.zone)]?.type;
        if ((otherType === "vxlan" || otherType === "evpn") && Number(o.tag) === tag)
          throw new ParamError({ tag: `vxlan tag ${tag} already exist in vnet ${other} in zone ${o.zone} ` });
      }
      break;
    default:
      break;
  }
  if (vnet.vlanaware && subnetsOf(files, id).length) throw new ParamError({ vlanaware: "vlanaware vnet is not compatible with subnets" });
}

/** check_vnet_access: the privileges on `/sdn/zones/<zone>/<vnet>`, the zone read from the current files. */
export function checkVnetAccess(sim: Sim, vnet: string, privs: string[]): Section {
  const v = sim.sdn.files.vnets[vnet];
  if (!v) throw new PveError(`sdn vnet '${vnet}' does not exist`);
  sim.permissions.checkAny(`/sdn/zones/${v.zone}/${vnet}`, privs);
  return v;
}

export function createVnet(sim: Sim, args: Record<string, string>) {
  inLock("create sdn vnet object failed", () => {
    if (sim.sdn.files.vnets[args.vnet]) throw new PveError(`sdn vnet object ID '${args.vnet}' already defined`);
    const files = { ...sim.sdn.files, vnets: { ...sim.sdn.files.vnets, [args.vnet]: { type: "vnet", ...values(args), zone: args.zone } } };
    vnetUpdateHook(files, args.vnet);
    sim.sdn.files.vnets = files.vnets;
  });
}

export function updateVnet(sim: Sim, args: Record<string, string>) {
  checkVnetAccess(sim, args.vnet, ["SDN.Allocate"]);
  inLock("update sdn vnet object failed", () => {
    assertDigest(sim, "vnets", args.digest);
    const current = sim.sdn.files.vnets[args.vnet];
    const next = { ...current };
    applyDelete(next, args.delete);
    Object.assign(next, values(args), args.zone ? { zone: args.zone } : {});
    if (!next.zone) throw new ParamError({ zone: "cannot delete zone" });
    if (subnetsOf(sim.sdn.files, args.vnet).length && next.zone !== current.zone) throw new ParamError({ zone: "can't change zone if subnets exist" });
    const files = { ...sim.sdn.files, vnets: { ...sim.sdn.files.vnets, [args.vnet]: next } };
    vnetUpdateHook(files, args.vnet);
    sim.sdn.files.vnets = files.vnets;
  });
}

export function deleteVnet(sim: Sim, vnet: string) {
  checkVnetAccess(sim, vnet, ["SDN.Allocate"]);
  inLock("delete sdn vnet object failed", () => {
    // VnetPlugin::on_delete_hook. Nothing checks for guests still using it: their NIC keeps
    // naming a bridge that disappears on the next apply.
    if (subnetsOf(sim.sdn.files, vnet).length) throw new ParamError({ vnet: "Can't delete vnet if subnets exists" });
    delete sim.sdn.files.vnets[vnet];
  });
}

/** SubnetPlugin::validate_dhcp_ranges. */
function checkDhcpRanges(cidr: string, ranges: string[]) {
  const seen: Array<[number, number]> = [];
  for (const range of ranges) {
    const fields = Object.fromEntries(range.split(",").map((p) => p.split("=") as [string, string]));
    const start = fields["start-address"] ?? "";
    const end = fields["end-address"] ?? "";
    const a = ipToInt(start);
    const b = ipToInt(end);
    if (a === undefined) throw new ParamError({ "dhcp-range": `start-address is not a valid IP ${start}` });
    if (b === undefined) throw new ParamError({ "dhcp-range": `end-address is not a valid IP ${end}` });
    if (a > b) throw new ParamError({ "dhcp-range": `start-address ${start} must be smaller than end-address ${end}` });
    if (!inCidr(start, cidr)) throw new ParamError({ "dhcp-range": `start-address ${start} is not in subnet ${cidr}` });
    if (!inCidr(end, cidr)) throw new ParamError({ "dhcp-range": `end-address ${end} is not in subnet ${cidr}` });
    if (seen.some(([x, y]) => a <= y && b >= x)) throw new ParamError({ "dhcp-range": "dhcp ranges must not overlap" });
    seen.push([a, b]);
  }
}

function subnetUpdateHook(sim: Sim, id: string, subnet: Section) {
  const { cidr, mask } = parseSubnetId(id);
  const vnet = sim.sdn.files.vnets[String(subnet.vnet)];
  if (!vnet) throw new ParamError({ vnet: `${subnet.vnet} don't exist` });
  if (vnet.vlanaware) throw new ParamError({ vnet: "you can't add a subnet on a vlanaware vnet" });
  const gw = subnet.gateway === undefined ? undefined : String(subnet.gateway);
  if (gw && !inCidr(gw, cidr) && !(mask === 32 && ipToInt(gw) !== undefined)) throw new ParamError({ gateway: `${gw} is not in subnet ${cidr}` });
  checkDhcpRanges(cidr, (subnet["dhcp-range"] as string[] | undefined) ?? []);
}

export function createSubnet(sim: Sim, args: Record<string, string>) {
  checkVnetAccess(sim, args.vnet, ["SDN.Allocate"]);
  inLock("create sdn subnet object failed", () => {
    const zone = String(sim.sdn.files.vnets[args.vnet].zone);
    const id = `${zone}-${args.subnet.replace("/", "-")}`;
    if (sim.sdn.files.subnets[id]) throw new PveError(`sdn subnet object ID '${id}' already defined`);
    const subnet: Section = { type: "subnet", ...values(args), vnet: args.vnet };
    subnetUpdateHook(sim, id, subnet);
    // The PVE IPAM refuses a second subnet with the same CIDR in one zone.
    const range = cidrRange(parseSubnetId(id).cidr);
    if (sim.sdn.files.zones[zone]?.ipam && range) {
      for (const other of Object.keys(sim.sdn.files.subnets))
        if (parseSubnetId(other).zone === zone && parseSubnetId(other).cidr === parseSubnetId(id).cidr)
          throw new PveError(`subnet ${parseSubnetId(id).cidr} already exist`);
    }
    sim.sdn.files.subnets[id] = subnet;
  });
}

export function updateSubnet(sim: Sim, args: Record<string, string>) {
  checkVnetAccess(sim, args.vnet, ["SDN.Allocate"]);
  inLock("update sdn subnet object failed", () => {
    const current = sim.sdn.files.subnets[args.subnet];
    if (!current) throw new PveError(`sdn subnet '${args.subnet}' does not exist`);
    assertDigest(sim, "subnets", args.digest);
    const next = { ...current };
    applyDelete(next, args.delete);
    Object.assign(next, values(args));
    subnetUpdateHook(sim, args.subnet, next);
    sim.sdn.files.subnets[args.subnet] = next;
  });
}

export function deleteSubnet(sim: Sim, vnet: string, id: string) {
  checkVnetAccess(sim, vnet, ["SDN.Allocate"]);
  inLock("delete sdn subnet object failed", () => {
    const zone = sim.sdn.files.zones[String(sim.sdn.files.vnets[vnet].zone)];
    // sdn_subnets_config($cfg, $id, 1) does not insist: an unknown id reaches the IPAM with an
    // empty subnet, which the PVE IPAM refuses; without an IPAM nothing happens at all.
    if (!sim.sdn.files.subnets[id] && zone?.ipam) throw new PveError("zone '' doesn't exist in IPAM DB");
    delete sim.sdn.files.subnets[id];
  });
}

export const zoneTypes = ZONE_TYPES;
