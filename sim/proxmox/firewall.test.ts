// Contract tests for a guest's firewall API as pve-firewall answers it (PVE/API2/Firewall/
// {VM,Rules,IPSet}.pm, Firewall.pm verify_rule): options, rules (created disabled and first
// unless told otherwise), ipsets, digests, permissions, and the file's life with its guest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, startTestSim } from "./testkit";

const FW = "/nodes/pve1/qemu/401/firewall";

describe("guest firewall API", () => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ taskDurationMs: 40, shortTaskDurationMs: 10 });
    await cloneReady(t, 401);
  });
  afterAll(() => t.stop());

  it("options: set and read back with a digest; a stale digest, an unknown option or a bad policy is refused", async () => {
    await t.api.call("PUT", `${FW}/options`, { enable: 1, ipfilter: 1, macfilter: 1, policy_in: "DROP", policy_out: "ACCEPT", dhcp: 0 });
    const options = await t.api.call<Record<string, string | number>>("GET", `${FW}/options`);
    expect(options).toMatchObject({
      enable: 1,
      ipfilter: 1,
      macfilter: 1,
      policy_in: "DROP",
      policy_out: "ACCEPT",
      dhcp: 0,
      digest: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect((await t.api.request("PUT", `${FW}/options`, { enable: 0, digest: "0".repeat(40) })).reason).toBe(
      "detected modified configuration - file changed by other user? Try again.",
    );
    expect((await t.api.request("PUT", `${FW}/options`, { policy_in: "ALLOW", colour: 1 })).body.errors).toEqual({
      policy_in: "value 'ALLOW' does not have a value in the enumeration 'ACCEPT, REJECT, DROP'",
      colour: "property is not defined in schema and the schema does not allow additional properties",
    });
    expect((await t.api.request("PUT", `${FW}/options`, { delete: "speed" })).body.errors).toEqual({ delete: "no such option 'speed'" });
  });

  it("rules: a new rule goes first and is disabled unless `enable` is given; verify_rule's refusals are 400s on the field", async () => {
    await t.api.call("POST", `${FW}/rules`, { type: "in", action: "ACCEPT", proto: "tcp", dport: "22" });
    await t.api.call("POST", `${FW}/rules`, { type: "out", action: "DROP", dest: "10.240.0.0/16", enable: 1 });
    const rules = await t.api.call<Array<Record<string, unknown>>>("GET", `${FW}/rules`);
    expect(rules).toEqual([
      expect.objectContaining({ pos: 0, type: "out", action: "DROP", dest: "10.240.0.0/16", enable: 1 }),
      expect.objectContaining({ pos: 1, type: "in", action: "ACCEPT", proto: "tcp", dport: "22", enable: 0 }),
    ]);
    expect(rules[0].digest).toBe(rules[1].digest);
    const bad = async (params: Record<string, string | number>) => (await t.api.request("POST", `${FW}/rules`, params)).body.errors;
    expect(await bad({ type: "in", action: "ACCEPT", dport: "22" })).toEqual({ proto: "missing property - 'dport' requires this property" });
    expect(await bad({ type: "in", action: "ACCEPT", proto: "icmp", dport: "80:70" })).toEqual({
      dport: "backwards range '80:70' not allowed, did you mean '70:80'?",
    });
    expect(await bad({ type: "forward", action: "ACCEPT" })).toEqual({ type: "invalid rule type 'forward' for rule_env 'vm'" });
    expect(await bad({ type: "in", action: "ALLOW" })).toEqual({ action: "unknown action 'ALLOW'" });
    expect(await bad({ type: "in", action: "ACCEPT", source: "+nosuchset" })).toEqual({ source: "no such ipset 'nosuchset'" });
    expect(await bad({ type: "in", action: "ACCEPT", source: "10.0.0.1-10.0.0.9,10.0.1.1" })).toEqual({ source: "you can't use a range in a list" });
    expect(await bad({ type: "in", action: "ACCEPT", iface: "eth0" })).toEqual({ iface: "value does not match the regex pattern 'net\\d+'" });
    expect(await bad({ type: "in" })).toEqual({ action: "property is missing and it is not optional" });
  });

  it("rules: update, move and delete by position, with the list's digest; a position past the end is a 500", async () => {
    const [{ digest }] = await t.api.call<Array<{ digest: string }>>("GET", `${FW}/rules`);
    await t.api.call("PUT", `${FW}/rules/1`, { enable: 1, comment: "ssh from my VMs", digest });
    expect(await t.api.call("GET", `${FW}/rules/1`)).toMatchObject({ enable: 1, comment: "ssh from my VMs", pos: 1 });
    expect((await t.api.request("DELETE", `${FW}/rules/0`, { digest })).reason).toBe(
      "detected modified configuration - file changed by other user? Try again.",
    );
    await t.api.call("PUT", `${FW}/rules/1`, { moveto: 0 });
    expect((await t.api.call<Array<{ type: string }>>("GET", `${FW}/rules`)).map((r) => r.type)).toEqual(["in", "out"]);
    expect(await t.api.request("GET", `${FW}/rules/7`)).toMatchObject({ status: 500, reason: "no rule at position 7" });
    await t.api.call("DELETE", `${FW}/rules/1`);
    expect(await t.api.call<unknown[]>("GET", `${FW}/rules`)).toHaveLength(1);
  });

  it("ipsets: created empty, entries unique, no zero prefix; a set with entries is deleted only with force", async () => {
    await t.api.call("POST", `${FW}/ipset`, { name: "ipfilter-net0", comment: "the VM's own address" });
    expect((await t.api.request("POST", `${FW}/ipset`, { name: "ipfilter-net0" })).body.errors).toEqual({ name: "IPSet 'ipfilter-net0' already exists" });
    await t.api.call("POST", `${FW}/ipset/ipfilter-net0`, { cidr: "10.240.1.10" });
    expect((await t.api.request("POST", `${FW}/ipset/ipfilter-net0`, { cidr: "10.240.1.10" })).body.errors).toEqual({
      cidr: "address '10.240.1.10' already exists",
    });
    expect((await t.api.request("POST", `${FW}/ipset/ipfilter-net0`, { cidr: "0.0.0.0/0" })).body.errors).toEqual({
      cidr: "a zero prefix is not allowed in ipset entries",
    });
    await t.api.call("POST", `${FW}/ipset/ipfilter-net0`, { cidr: "10.240.2.0/24" });
    expect((await t.api.call<Array<{ cidr: string }>>("GET", `${FW}/ipset/ipfilter-net0`)).map((e) => e.cidr)).toEqual(["10.240.2.0/24", "10.240.1.10"]);
    await t.api.call("DELETE", `${FW}/ipset/ipfilter-net0/${encodeURIComponent("10.240.2.0/24")}`);
    expect((await t.api.request("DELETE", `${FW}/ipset/ipfilter-net0`)).reason).toBe("IPSet 'ipfilter-net0' is not empty");
    expect((await t.api.request("GET", `${FW}/ipset/nosuch`)).reason).toBe("no such IPSet 'nosuch'");
    expect(await t.api.call<Array<{ name: string }>>("GET", `${FW}/ipset`)).toEqual([
      expect.objectContaining({ name: "ipfilter-net0", comment: "the VM's own address" }),
    ]);
  });

  it("reads need VM.Audit and writes VM.Config.Network on the guest; the datacenter's options need Sys.Audit on /", async () => {
    t.sim.setAcl([{ path: "/vms", privs: ["VM.Audit"] }]);
    try {
      expect((await t.api.request("GET", `${FW}/rules`)).status).toBe(200);
      expect(await t.api.request("PUT", `${FW}/options`, { enable: 1 })).toMatchObject({
        status: 403,
        reason: "Permission check failed (/vms/401, VM.Config.Network)",
      });
      expect((await t.api.request("GET", "/cluster/firewall/options")).reason).toBe("Permission check failed (/, Sys.Audit)");
      t.sim.setAcl([{ path: "/", privs: ["Sys.Audit"], propagate: false }]);
      expect(await t.api.call("GET", "/cluster/firewall/options")).toMatchObject({ enable: 1 });
    } finally {
      t.sim.setAcl(null);
    }
  });

  it("the file lives with the guest: a clone copies it, destroy removes it, and a write for a VMID with no guest creates one", async () => {
    await t.api.call("PUT", "/nodes/pve1/qemu/9000/firewall/options", { enable: 1, policy_in: "REJECT" });
    await cloneReady(t, 402);
    expect(await t.api.call("GET", "/nodes/pve1/qemu/402/firewall/options")).toMatchObject({ enable: 1, policy_in: "REJECT" });
    await t.api.waitTask(await t.api.call<string>("DELETE", "/nodes/pve1/qemu/402"));
    expect(Object.keys((await control(t.sim, "GET", "/_sim/firewall")).json.vms)).not.toContain("402");
    await t.api.call("PUT", "/nodes/pve1/qemu/4999/firewall/options", { enable: 1 });
    expect(Object.keys((await control(t.sim, "GET", "/_sim/firewall")).json.vms)).toContain("4999");
  });
});
