// What a VM's Proxmox firewall must hold, as a pure function of where the VM is. Proxmox's own
// semantics decide the shape (pve-firewall PVE/Firewall.pm):
// - `ipfilter` with an `ipfilter-net0` set: an IPv4 source outside the set is dropped on the
//   VM's tap (a QEMU VM's set holds only what we put there), so the address is known in advance;
// - `macfilter` drops frames whose source MAC is not the NIC's; `dhcp: 0` keeps the VM from
//   answering (or being answered by) DHCP on a shared segment;
// - rules are first-match in order; established traffic passes before them; policy_in DROP and
//   policy_out ACCEPT end each chain.
// The OUT rules come first and never change with the customer's choices: nothing to the nodes'
// management networks or the gateway (which, in a Simple zone, is the node itself), the
// customer's own network, nothing to other customers; everything else (the internet) is allowed.
// The IN rules are the customer's: what they opened from their own network.

export const IPSETS = { filter: "ipfilter-net0", own: "labvps-own", mgmt: "labvps-mgmt", tenants: "labvps-tenants" } as const;

export const FIREWALL_OPTIONS = {
  enable: 1,
  ipfilter: 1,
  macfilter: 1,
  dhcp: 0,
  radv: 0,
  policy_in: "DROP",
  policy_out: "ACCEPT",
} as const;

export type FirewallOptionsWanted = typeof FIREWALL_OPTIONS;

export type WantedRule = {
  type: "in" | "out";
  action: "ACCEPT" | "DROP";
  source?: string;
  dest?: string;
  proto?: string;
  dport?: string;
  enable: 1;
  comment: string;
};

export type CustomerRule = { id: string; protocol: "tcp" | "udp" | "icmp"; ports: string | null };

export type FirewallInput = {
  /** The VM's own address (the only source it may send from). */
  address: string;
  /** Its own network: the customer's subnet (SDN), or every address of their VMs (bridge). */
  own: string[];
  /** Never to be reached: the management networks and the gateway's own address. */
  blocked: string[];
  /** Where other customers live: the whole pool (SDN) or the bridge's subnet. */
  tenants: string[];
  allowAllOwn: boolean;
  customerRules: CustomerRule[];
};

export type WantedFirewall = {
  options: FirewallOptionsWanted;
  ipsets: Record<string, string[]>;
  rules: WantedRule[];
};

/** `10.0.0.5/32` and `10.0.0.5` are one entry (ipset entries are compared normalised). */
export const normaliseCidr = (cidr: string) => cidr.replace(/\/32$/, "");

export function customerRuleComment(rule: CustomerRule | "all"): string {
  return rule === "all" ? "labvps: all from my VMs" : `labvps: rule ${rule.id}`;
}

export function wantedFirewall(input: FirewallInput): WantedFirewall {
  const own = `+${IPSETS.own}`;
  const inbound: WantedRule[] = input.allowAllOwn
    ? [{ type: "in", action: "ACCEPT", source: own, enable: 1, comment: customerRuleComment("all") }]
    : input.customerRules.map((r) => ({
        type: "in",
        action: "ACCEPT",
        source: own,
        proto: r.protocol,
        ...(r.protocol !== "icmp" && r.ports ? { dport: r.ports } : {}),
        enable: 1,
        comment: customerRuleComment(r),
      }));
  return {
    options: FIREWALL_OPTIONS,
    ipsets: {
      [IPSETS.filter]: [input.address],
      [IPSETS.own]: [...new Set(input.own.map(normaliseCidr))].sort(),
      [IPSETS.mgmt]: [...new Set(input.blocked.map(normaliseCidr))].sort(),
      [IPSETS.tenants]: [...new Set(input.tenants.map(normaliseCidr))].sort(),
    },
    rules: [
      { type: "out", action: "DROP", dest: `+${IPSETS.mgmt}`, enable: 1, comment: "labvps: no Proxmox management, no gateway" },
      { type: "out", action: "ACCEPT", dest: own, enable: 1, comment: "labvps: my own network" },
      { type: "out", action: "DROP", dest: `+${IPSETS.tenants}`, enable: 1, comment: "labvps: no other customers" },
      ...inbound,
    ],
  };
}

const RULE_KEYS = ["type", "action", "source", "dest", "proto", "dport", "enable", "comment"] as const;

/** Whether a rule as Proxmox lists it is exactly the wanted one (unset fields must be unset). */
export function sameRule(actual: Record<string, unknown>, wanted: WantedRule): boolean {
  return RULE_KEYS.every((k) => String(actual[k] ?? "") === String(wanted[k] ?? ""));
}

/** How many leading rules already match: those stay, the rest is rewritten. */
export function commonPrefix(actual: Array<Record<string, unknown>>, wanted: WantedRule[]): number {
  let n = 0;
  while (n < actual.length && n < wanted.length && sameRule(actual[n]!, wanted[n]!)) n++;
  return n;
}
