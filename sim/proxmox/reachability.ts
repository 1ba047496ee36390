// Which guest can open a connection to which (another guest, a node's management address, the
// internet), computed from what Proxmox would build: each NIC's bridge on its node (a VNet exists
// there only once applied), the layer-2 segment it joins (a Simple zone's VNet is local to its
// node, a VLAN zone's is `<bridge>.<tag>` on every node, a VXLAN zone's is its VNI), the guest's
// address as cloud-init configured it at its last boot, and the guest firewall as pve-firewall
// compiles it (PVE/Firewall.pm ruleset_create_vm_chain, ruleset_generate_vm_rules): on the
// sender's tap OUT the MAC filter, the ipfilter-net<N> set, the OUT rules and policy_out
// (ACCEPT); on the receiver's tap IN its rules and policy_in (DROP). Nothing applies unless the
// datacenter firewall, the guest's firewall option and the NIC's `firewall=1` are all on.
// Routing is the worst case on purpose: every gateway routes to every other and to the nodes, so
// isolation has to come from separate segments and the firewall, never from this model's kindness.
import type { Sim } from "./context";
import type { Vm } from "./cluster";
import { type FwConfig, type FwRule, PROTOCOLS, SERVICES } from "./firewall";
import { inCidr, inRange, intToIp, ipToInt, cidrRange } from "./ipv4";
import { type Nic, parseNic } from "./nic";

/** The LAN behind vmbr0: the operator's router (gateway, NAT, DHCP) and the nodes' management addresses. */
export const LAN = { cidr: "192.168.100.0/24", gateway: "192.168.100.1", dhcpFirst: 100 };
export const INTERNET_ADDRESS = "1.1.1.1";
export const nodeAddress = (sim: Sim, node: string) => `192.168.100.${11 + sim.cluster.nodes.findIndex((n) => n.name === node)}`;

export interface Probe {
  from: number;
  /** A VMID, "internet", "node:<name>", or an IPv4 address. */
  to: number | string;
  proto?: string;
  port?: number;
  /** Send with this source address instead of the guest's own (spoofing). */
  srcIp?: string;
  srcMac?: string;
}
export interface Verdict {
  reachable: boolean;
  reason: string;
  path: string[];
}

interface Segment {
  id: string;
  /** Subnets known on it: [cidr, gateway?]. */
  gateway?: string;
  cidr?: string;
  internet: boolean;
  isolated: boolean;
  dhcp?: { first: number; size: number };
}
interface Endpoint {
  vm: Vm;
  nic: Nic;
  segment: Segment;
  address?: string;
  gateway?: string;
}

/** What each running guest configured at its last start (cloud-init's network config). */
export class BootRecords {
  private readonly byVmid = new Map<number, { ipconfig0?: string }>();

  constructor(sim: Sim) {
    sim.events.on("vm-started", ({ vmid }: { vmid: number }) => {
      const vm = sim.cluster.find(vmid);
      this.byVmid.set(vmid, { ipconfig0: vm?.config.ipconfig0 === undefined ? undefined : String(vm.config.ipconfig0) });
    });
    sim.events.on("vm-stopped", (vmid: number) => this.byVmid.delete(vmid));
  }

  get(vmid: number) {
    return this.byVmid.get(vmid);
  }
}

function segmentOf(sim: Sim, vm: Vm, nic: Nic): Segment | undefined {
  if (!nic.bridge || nic.linkDown) return undefined;
  if (nic.bridge === "vmbr0") {
    if (nic.tag) return { id: `vlan:vmbr0:${nic.tag}`, internet: false, isolated: false };
    return { id: "lan", cidr: LAN.cidr, gateway: LAN.gateway, internet: true, isolated: false, dhcp: { first: LAN.dhcpFirst, size: 100 } };
  }
  const vnet = sim.sdn.vnetOnNode(nic.bridge, vm.node);
  if (!vnet) return undefined;
  const subnet = vnet.subnets[0];
  const type = String(vnet.zone.type);
  const tag = vnet.section.tag;
  const id =
    type === "simple"
      ? `simple:${vnet.vnet}@${vm.node}`
      : type === "vlan"
        ? `vlan:${vnet.zone.bridge}:${tag}`
        : type === "qinq"
          ? `qinq:${vnet.zone.bridge}:${vnet.zone.tag}:${tag}`
          : `vxlan:${tag}`;
  // Simple and EVPN zones put the subnet's gateway on the node (and masquerade with `snat`);
  // VLAN and VXLAN zones are layer 2 only: a gateway exists when the operator's router serves it.
  const nodeRouted = type === "simple" || type === "evpn";
  const routed = nodeRouted || sim.sdn.uplinks.has(vnet.zoneId);
  const gateway = subnet && routed && subnet.gateway !== undefined ? String(subnet.gateway) : undefined;
  const ranges = (subnet?.["dhcp-range"] as string[] | undefined) ?? [];
  const first = ranges[0] ? ipToInt(/start-address=([^,]+)/.exec(ranges[0])?.[1] ?? "") : undefined;
  const last = ranges[0] ? ipToInt(/end-address=([^,]+)/.exec(ranges[0])?.[1] ?? "") : undefined;
  return {
    id,
    cidr: subnet?.cidr,
    gateway,
    internet: !!gateway && (nodeRouted ? !!subnet.snat : true),
    isolated: !!vnet.section["isolate-ports"],
    dhcp: type === "simple" && vnet.zone.dhcp && first !== undefined && last !== undefined ? { first, size: last - first + 1 } : undefined,
  };
}

function endpointOf(sim: Sim, boots: BootRecords, vmid: number): Endpoint | string {
  const vm = sim.cluster.find(vmid);
  if (!vm || vm.status !== "running") return `VM ${vmid} is not running`;
  const nic = parseNic(String(vm.config.net0 ?? ""));
  if ("error" in nic) return `VM ${vmid} has no usable net0`;
  const segment = segmentOf(sim, vm, nic);
  if (!segment) return `VM ${vmid}'s net0 is on no existing network (bridge ${nic.bridge})`;
  const ipconfig = boots.get(vmid)?.ipconfig0 ?? "";
  const ip = /(?:^|,)ip=([^,]+)/.exec(ipconfig)?.[1];
  const gw = /(?:^|,)gw=([^,]+)/.exec(ipconfig)?.[1];
  if (ip === "dhcp") {
    if (!segment.dhcp || !segment.cidr) return { vm, nic, segment };
    const base = segment.id === "lan" ? cidrRange(LAN.cidr)!.first + LAN.dhcpFirst : segment.dhcp.first;
    return { vm, nic, segment, address: intToIp(base + (vmid % segment.dhcp.size)), gateway: segment.gateway };
  }
  return { vm, nic, segment, address: ip?.split("/")[0], gateway: gw };
}

interface Packet {
  src: string;
  srcMac: string;
  dst: string;
  proto: string;
  port?: number;
}

function ipsetMatch(entries: Array<{ cidr: string; nomatch?: number }>, ip: string): boolean {
  let hit = false;
  for (const e of entries) if (inCidr(ip, e.cidr)) hit = !e.nomatch;
  return hit;
}

function addressMatch(spec: string, ip: string, vm: FwConfig, cluster: FwConfig): boolean {
  const set = /^\+(?:guest\/|dc\/|sdn\/)?(.+)$/.exec(spec);
  if (set) return ipsetMatch(vm.ipset[set[1]] ?? cluster.ipset[set[1]] ?? [], ip);
  return spec.split(",").some((item) => (item.includes("-") ? inRange(ip, item) : inCidr(ip, item)));
}

function portMatch(spec: string, port: number | undefined): boolean {
  if (port === undefined) return false;
  return spec.split(",").some((item) => {
    const range = /^(\d+):(\d+)$/.exec(item);
    if (range) return port >= Number(range[1]) && port <= Number(range[2]);
    return (/^\d+$/.test(item) ? Number(item) : SERVICES[item]) === port;
  });
}

const protoNumber = (p: string) => (/^\d+$/.test(p) ? Number(p) : PROTOCOLS[p]);

function ruleMatches(rule: FwRule, pkt: Packet, dir: "in" | "out", vm: FwConfig, cluster: FwConfig): boolean {
  if (!rule.enable) return false;
  if (rule.iface && rule.iface !== "net0") return false;
  if (rule.proto && protoNumber(rule.proto) !== protoNumber(pkt.proto)) return false;
  if (rule.dport && !portMatch(rule.dport, pkt.port)) return false;
  if (rule.sport) return false;
  if (rule.source && !addressMatch(rule.source, pkt.src, vm, cluster)) return false;
  if (rule.dest && !addressMatch(rule.dest, pkt.dst, vm, cluster)) return false;
  return dir === rule.type;
}

/** The rules of one tap chain in order (security groups expanded); first match decides. */
function chainVerdict(sim: Sim, conf: FwConfig, pkt: Packet, dir: "in" | "out"): { action: string; by: string } | undefined {
  for (const [pos, rule] of conf.rules.entries()) {
    if (rule.type === "group") {
      if (!rule.enable) continue;
      for (const g of sim.firewall.groups[rule.action] ?? []) {
        if (ruleMatches({ ...g, enable: g.enable ?? 1 }, pkt, dir, conf, sim.firewall.cluster))
          return { action: g.action, by: `group ${rule.action} (rule ${pos})` };
      }
      continue;
    }
    if (ruleMatches(rule, pkt, dir, conf, sim.firewall.cluster)) return { action: rule.action, by: `rule ${pos}` };
  }
  return undefined;
}

function firewallOn(sim: Sim, ep: Endpoint): FwConfig | undefined {
  const conf = sim.firewall.read(ep.vm.vmid);
  return sim.firewall.cluster.options.enable && conf.options.enable && ep.nic.firewall ? conf : undefined;
}

function outbound(sim: Sim, ep: Endpoint, pkt: Packet): string | undefined {
  const conf = firewallOn(sim, ep);
  if (!conf) return undefined;
  const who = `VM ${ep.vm.vmid} OUT`;
  if (conf.options.macfilter !== 0 && pkt.srcMac !== ep.nic.macaddr) return `${who}: macfilter (source MAC ${pkt.srcMac} is not ${ep.nic.macaddr})`;
  if ((conf.options.ipfilter || conf.ipset["ipfilter-net0"]) && !ipsetMatch(conf.ipset["ipfilter-net0"] ?? [], pkt.src))
    return `${who}: ipfilter (source ${pkt.src} is not in ipfilter-net0)`;
  const hit = chainVerdict(sim, conf, pkt, "out");
  if (hit) return hit.action === "ACCEPT" ? undefined : `${who}: ${hit.by} ${hit.action}`;
  const policy = String(conf.options.policy_out ?? "ACCEPT");
  return policy === "ACCEPT" ? undefined : `${who}: policy_out ${policy}`;
}

function inbound(sim: Sim, ep: Endpoint, pkt: Packet): string | undefined {
  const conf = firewallOn(sim, ep);
  if (!conf) return undefined;
  const who = `VM ${ep.vm.vmid} IN`;
  const hit = chainVerdict(sim, conf, pkt, "in");
  if (hit) return hit.action === "ACCEPT" ? undefined : `${who}: ${hit.by} ${hit.action}`;
  const policy = String(conf.options.policy_in ?? "DROP");
  return policy === "ACCEPT" ? undefined : `${who}: policy_in ${policy}`;
}

export function reach(sim: Sim, boots: BootRecords, probe: Probe): Verdict {
  const path: string[] = [];
  const no = (reason: string): Verdict => ({ reachable: false, reason, path });
  const src = endpointOf(sim, boots, probe.from);
  if (typeof src === "string") return no(src);
  const srcIp = probe.srcIp ?? src.address;
  if (!srcIp) return no(`VM ${probe.from} has no address on ${src.segment.id}`);
  path.push(`VM ${probe.from} ${srcIp} on ${src.segment.id}`);

  let dst: Endpoint | undefined;
  let dstIp: string;
  if (typeof probe.to === "number" || /^\d+$/.test(String(probe.to))) {
    const ep = endpointOf(sim, boots, Number(probe.to));
    if (typeof ep === "string") return no(ep);
    if (!ep.address) return no(`VM ${probe.to} has no address`);
    [dst, dstIp] = [ep, ep.address];
  } else if (probe.to === "internet") dstIp = INTERNET_ADDRESS;
  else if (String(probe.to).startsWith("node:")) dstIp = nodeAddress(sim, String(probe.to).slice(5));
  else dstIp = String(probe.to);

  const pkt: Packet = { src: srcIp, srcMac: probe.srcMac ?? src.nic.macaddr ?? "", dst: dstIp, proto: probe.proto ?? "tcp", port: probe.port ?? 22 };
  const out = outbound(sim, src, pkt);
  if (out) return no(`dropped by ${out}`);

  const hosts = new Set([...sim.cluster.nodes.map((n) => nodeAddress(sim, n.name)), LAN.gateway, ...(src.segment.gateway ? [src.segment.gateway] : [])]);
  const sameSegment = dst ? dst.segment.id === src.segment.id : !!src.segment.cidr && inCidr(dstIp, src.segment.cidr);
  if (sameSegment) {
    if (dst && src.segment.isolated && dst.segment.isolated) return no(`isolated ports on ${src.segment.id}`);
    if (!dst && !hosts.has(dstIp)) return no(`no host at ${dstIp} on ${src.segment.id}`);
    path.push(`layer 2 on ${src.segment.id}`);
  } else {
    if (!src.segment.gateway || src.gateway !== src.segment.gateway) return no(`VM ${probe.from} has no route off ${src.segment.id}`);
    if (!dst && !isPrivate(dstIp)) {
      if (!src.segment.internet) return no(`${src.segment.id} has no NAT to the internet`);
      path.push(`routed by ${src.segment.gateway}, NAT to the internet`);
    } else if (dst) {
      if (!dst.segment.gateway) return no(`${dst.segment.id} has no gateway to route to`);
      path.push(`routed by ${src.segment.gateway} to ${dst.segment.id}`);
    } else if (hosts.has(dstIp)) path.push(`routed by ${src.segment.gateway} to ${dstIp}`);
    else return no(`no host at ${dstIp}`);
  }
  if (dst) {
    const drop = inbound(sim, dst, pkt);
    if (drop) return no(`dropped by ${drop}`);
  }
  path.push(dst ? `VM ${dst.vm.vmid} ${dstIp}` : dstIp);
  return { reachable: true, reason: "delivered", path };
}

const isPrivate = (ip: string) => ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].some((c) => inCidr(ip, c));

/** Every running guest against every other, the internet and each node (tcp/22): the page's table. */
export function matrix(sim: Sim, boots: BootRecords) {
  const running = [...sim.cluster.vms.values()].filter((v) => v.status === "running").map((v) => v.vmid);
  const targets: Array<number | string> = [...running, "internet", ...sim.cluster.nodes.map((n) => `node:${n.name}`)];
  return running.map((from) => ({
    from,
    to: Object.fromEntries(targets.filter((t) => t !== from).map((to) => [String(to), reach(sim, boots, { from, to }).reachable])),
  }));
}
