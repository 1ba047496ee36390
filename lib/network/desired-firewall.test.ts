import { describe, expect, it } from "vitest";
import { commonPrefix, wantedFirewall } from "@/lib/network/desired-firewall";

const base = {
  address: "10.240.3.10",
  own: ["10.240.3.0/24"],
  blocked: ["192.168.100.0/24", "10.240.3.1"],
  tenants: ["10.240.0.0/16"],
  allowAllOwn: true,
  customerRules: [],
};

describe("the VM firewall a VM must have", () => {
  it("spoof-proof and closed: ipfilter with its own address only, macfilter, no DHCP, policy_in DROP, policy_out ACCEPT", () => {
    const fw = wantedFirewall(base);
    expect(fw.options).toEqual({ enable: 1, ipfilter: 1, macfilter: 1, dhcp: 0, radv: 0, policy_in: "DROP", policy_out: "ACCEPT" });
    expect(fw.ipsets).toEqual({
      "ipfilter-net0": ["10.240.3.10"],
      "labvps-own": ["10.240.3.0/24"],
      "labvps-mgmt": ["10.240.3.1", "192.168.100.0/24"],
      "labvps-tenants": ["10.240.0.0/16"],
    });
  });

  it("outbound: management and gateway dropped before the own network is allowed, other customers dropped after", () => {
    const out = wantedFirewall(base).rules.filter((r) => r.type === "out");
    expect(out.map((r) => `${r.action} ${r.dest}`)).toEqual(["DROP +labvps-mgmt", "ACCEPT +labvps-own", "DROP +labvps-tenants"]);
    expect(out.every((r) => r.enable === 1)).toBe(true);
  });

  it("inbound: everything from the own network, or only the customer's rules (ICMP without ports)", () => {
    expect(wantedFirewall(base).rules.filter((r) => r.type === "in")).toEqual([
      { type: "in", action: "ACCEPT", source: "+labvps-own", enable: 1, comment: "labvps: all from my VMs" },
    ]);
    const listed = wantedFirewall({
      ...base,
      allowAllOwn: false,
      customerRules: [
        { id: "r1", protocol: "tcp", ports: "22" },
        { id: "r2", protocol: "icmp", ports: null },
      ],
    }).rules.filter((r) => r.type === "in");
    expect(listed).toEqual([
      { type: "in", action: "ACCEPT", source: "+labvps-own", proto: "tcp", dport: "22", enable: 1, comment: "labvps: rule r1" },
      { type: "in", action: "ACCEPT", source: "+labvps-own", proto: "icmp", enable: 1, comment: "labvps: rule r2" },
    ]);
    expect(wantedFirewall({ ...base, allowAllOwn: false }).rules.filter((r) => r.type === "in")).toEqual([]);
  });

  it("rules already in place are kept: the common prefix ends at the first difference", () => {
    const wanted = wantedFirewall(base).rules;
    const actual = wanted.map((r, pos) => ({ ...r, pos, digest: "x" }));
    expect(commonPrefix(actual, wanted)).toBe(4);
    expect(commonPrefix([actual[0]!, actual[1]!, { ...actual[2]!, enable: 0 }], wanted)).toBe(2);
    expect(commonPrefix([{ ...actual[0]!, proto: "tcp" }], wanted)).toBe(0);
  });
});
