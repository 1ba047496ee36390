// The Proxmox VE firewall's configuration (pve-firewall PVE/Firewall.pm): the datacenter's
// cluster.fw (options, security groups, ipsets) and one /etc/pve/firewall/<vmid>.fw per guest
// (options, rules, ipsets). A guest's file exists once something was written to it — for any
// VMID, a guest there or not: the API does not check — is copied by a clone
// (Helpers::clone_vmfw_conf) and removed by the destroy task (remove_vmfw_conf).
import { createHash } from "node:crypto";
import { ParamError } from "./errors";

export interface FwRule {
  type: string;
  action: string;
  enable?: number;
  iface?: string;
  source?: string;
  dest?: string;
  proto?: string;
  dport?: string;
  sport?: string;
  macro?: string;
  comment?: string;
  log?: string;
  "icmp-type"?: string;
  ipversion?: number;
}
export interface IpsetEntry {
  cidr: string;
  nomatch?: number;
  comment?: string;
}
export interface FwConfig {
  options: Record<string, string | number>;
  rules: FwRule[];
  ipset: Record<string, IpsetEntry[]>;
  ipsetComments: Record<string, string>;
}

export const emptyFw = (): FwConfig => ({ options: {}, rules: [], ipset: {}, ipsetComments: {} });
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** copy_opject_with_digest: SHA-1 over `key:value\n` in key order. */
export function objectDigest(object: Record<string, unknown>): string {
  const sha = createHash("sha1");
  for (const key of Object.keys(object).sort()) if (object[key] !== undefined) sha.update(`${key}:${object[key]}\n`);
  return sha.digest("hex");
}

/** copy_list_with_digest: the same over every entry, and each entry carries the list's digest. */
export function listWithDigest<T extends object>(list: T[]): { list: Array<T & { digest: string }>; digest: string } {
  const sha = createHash("sha1");
  for (const entry of list)
    for (const key of Object.keys(entry).sort()) {
      const v = (entry as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== "object") sha.update(`${key}:${v}\n`);
    }
  const digest = sha.digest("hex");
  return { list: list.map((e) => ({ ...e, digest })), digest };
}

// /etc/protocols and /etc/services as far as rules here need them.
export const PROTOCOLS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  "ipv6-icmp": 58,
  ospf: 89,
  sctp: 132,
  udplite: 136,
  dccp: 33,
  vrrp: 112,
};
const WITH_PORTS = new Set(["tcp", "6", "udp", "17", "udplite", "136", "dccp", "33", "sctp", "132"]);
export const SERVICES: Record<string, number> = {
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  ntp: 123,
  snmp: 161,
  bgp: 179,
  https: 443,
  syslog: 514,
  rdp: 3389,
};
const ICMP_TYPES = new Set([
  "any",
  "echo-reply",
  "destination-unreachable",
  "redirect",
  "echo-request",
  "time-exceeded",
  "parameter-problem",
  "timestamp-request",
]);
export const isIcmp = (proto: string | undefined) => proto === "icmp" || proto === "icmpv6" || proto === "ipv6-icmp" || proto === "1" || proto === "58";

export const LOG_LEVELS = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "nolog"];
const IPSET_NAME = /^[A-Za-z][A-Za-z0-9\-_]+$/;
const SECURITY_GROUP = /^[A-Za-z][A-Za-z0-9\-_]+$/;

/** parse_port_name_number_or_range: `22`, `80:85`, `ssh`, lists of up to 15 numbers. */
export function checkPorts(spec: string, dport: boolean): string | undefined {
  const items = spec.split(",");
  if (items.join(",") !== spec || items.some((i) => i === "")) return "extraneous commas in list";
  let count = 0;
  let icmp = false;
  for (const item of items) {
    const range = /^(\d+):(\d+)$/.exec(item);
    if (range) {
      count += 2;
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (a > 65535) return `invalid port '${range[1]}'`;
      if (b > 65535) return `invalid port '${range[2]}'`;
      if (a > b) return `backwards range '${a}:${b}' not allowed, did you mean '${b}:${a}'?`;
    } else if (/^\d+$/.test(item)) {
      count += 1;
      if (Number(item) > 65535) return `invalid port '${item}'`;
    } else if (dport && ICMP_TYPES.has(item)) icmp = true;
    else if (SERVICES[item] === undefined) return `invalid port '${item}'`;
  }
  if (icmp && count > 0) return "ICMP ports not allowed in port range";
  if (count > 15) return "too many entries in port list (> 15 numbers)";
  return undefined;
}

const IPV4_ITEM = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)(\/(3[0-2]|[12]?\d))?$/;
const IPV4_RANGE = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)-((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** parse_address_list: an ipset (`+name`), an alias, or IPs/CIDRs (one range, or a list). */
export function checkAddressList(spec: string): string | undefined {
  if (/^\+\S+$/.test(spec)) return spec.length > 65 ? "ipset name too long" : undefined;
  if (/^(dc\/|guest\/)?[A-Za-z][A-Za-z0-9\-_]+$/.test(spec)) return undefined;
  const items = spec.split(",");
  if (items.join(",") !== spec || items.some((i) => i === "")) return "extraneous commas in list";
  for (const item of items) if (!IPV4_ITEM.test(item) && !IPV4_RANGE.test(item)) return `invalid IP address: Invalid IP ${item}`;
  if (items.length > 1 && items.some((i) => i.includes("-"))) return "you can't use a range in a list";
  return undefined;
}

/** verify_rule for a guest's rule (`rule_env` vm): every problem raises a 400 on its parameter. */
export function verifyVmRule(rule: FwRule, cluster: FwConfig, vm: FwConfig) {
  const fail = (param: string, msg: string): never => {
    throw new ParamError({ [param]: msg });
  };
  if (!rule.type) fail("type", "missing property");
  if (!rule.action) fail("action", "missing property");
  if (!["in", "out", "group"].includes(rule.type)) fail("type", `invalid rule type '${rule.type}' for rule_env 'vm'`);
  if (rule.type === "group") {
    // Only the name is checked: a rule naming a group that does not exist is accepted (and the
    // compiler later skips the group).
    if (!SECURITY_GROUP.test(rule.action)) fail("action", "invalid characters in security group name");
  } else if (!/^(ACCEPT|DROP|REJECT)$/.test(rule.action)) fail("action", `unknown action '${rule.action}'`);
  if (rule.iface && !/^net(\d+)$/.test(rule.iface)) fail("iface", "value does not match the regex pattern 'net\\d+'");
  if (rule.macro) fail("macro", `unknown macro '${rule.macro}'`);
  if (rule.proto && PROTOCOLS[rule.proto] === undefined && !(/^\d+$/.test(rule.proto) && Number(rule.proto) <= 255))
    fail("proto", `unknown protocol '${rule.proto}'`);
  if (rule.dport) {
    const problem = checkPorts(rule.dport, isIcmp(rule.proto));
    if (problem) fail("dport", problem);
    if (!rule.proto) fail("proto", "missing property - 'dport' requires this property");
    if (!WITH_PORTS.has(rule.proto!) && !isIcmp(rule.proto)) fail("dport", `protocol '${rule.proto}' does not support ports`);
  }
  if (rule["icmp-type"]) {
    if (!isIcmp(rule.proto)) fail("proto", "missing property - 'icmp-type' requires this property");
    if (rule.dport) fail("icmp-type", "'icmp-type' cannot be specified together with 'dport'");
    if (!ICMP_TYPES.has(rule["icmp-type"])) fail("icmp-type", `invalid icmp-type '${rule["icmp-type"]}' for proto '${rule.proto}'`);
  }
  if (rule.sport) {
    const problem = checkPorts(rule.sport, false);
    if (problem) fail("sport", problem);
    if (!rule.proto) fail("proto", "missing property - 'sport' requires this property");
    if (!WITH_PORTS.has(rule.proto!)) fail("sport", `protocol '${rule.proto}' does not support ports`);
  }
  for (const key of ["source", "dest"] as const) {
    const value = rule[key];
    if (!value) continue;
    const problem = checkAddressList(value);
    if (problem) fail(key, problem);
    const set = /^\+(guest\/|dc\/|sdn\/)?([A-Za-z][A-Za-z0-9\-_]+)$/.exec(value);
    if (value.startsWith("+") && !set) fail(key, `invalid ipset name '${value}'`);
    if (set && !cluster.ipset[set[2]] && !vm.ipset[set[2]]) fail(key, `no such ipset '${set[2]}'`);
    if (!value.startsWith("+") && /^(dc\/|guest\/)?[A-Za-z]/.test(value)) fail(key, `no such alias '${value}'`);
  }
  if (rule.proto === "icmp" || (rule.source && IPV4_ITEM.test(rule.source.split(",")[0])) || (rule.dest && IPV4_ITEM.test(rule.dest.split(",")[0])))
    rule.ipversion = 4;
}

export const ipsetNameOk = (name: string) => IPSET_NAME.test(name) && name.length >= 2 && name.length <= 64;

export class Firewall {
  /** cluster.fw: `enable` is 0 on a fresh cluster; nothing of a guest's firewall applies then. */
  cluster: FwConfig = emptyFw();
  groups: Record<string, FwRule[]> = {};
  readonly vms = new Map<number, FwConfig>();

  constructor(private readonly initialEnable: boolean) {
    this.reset();
  }

  reset() {
    this.cluster = { ...emptyFw(), options: this.initialEnable ? { enable: 1 } : {} };
    this.groups = {};
    this.vms.clear();
  }

  /** load_vmfw_conf: a guest without a file has an empty configuration. */
  read(vmid: number): FwConfig {
    return this.vms.get(vmid) ?? emptyFw();
  }

  /** save_vmfw_conf: writing creates the file. */
  write(vmid: number, conf: FwConfig) {
    this.vms.set(vmid, conf);
  }

  cloneTo(from: number, to: number) {
    const src = this.vms.get(from);
    if (src) this.vms.set(to, copy(src));
    else this.vms.delete(to);
  }

  remove(vmid: number) {
    this.vms.delete(vmid);
  }
}
