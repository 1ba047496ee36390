// The reachability model against guests built through the API the way an operator would: two
// tenants on VNets of the VLAN zone, each guest with a static address, `firewall=1`, ipfilter and
// an inbound policy of DROP. It proves the model itself: segments, routing, the filters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, startTestSim } from "./testkit";

const MAC = (vmid: number) => `BC:24:11:00:${String(Math.floor(vmid / 100)).padStart(2, "0")}:${String(vmid % 100).padStart(2, "0")}`;

describe("reachability model", () => {
  let t: TestSim;
  const reach = (from: number, to: number | string, extra: Record<string, unknown> = {}) => t.sim.network.reach({ from, to, proto: "tcp", port: 22, ...extra });

  async function tenantNet(vnet: string, tag: number, net: string) {
    await t.api.call("POST", "/cluster/sdn/vnets", { vnet, zone: "labvps", tag });
    await t.api.call("POST", `/cluster/sdn/vnets/${vnet}/subnets`, { subnet: `${net}.0/24`, type: "subnet", gateway: `${net}.1`, snat: 1 });
  }

  /** A guest on `bridge` with `ip`, firewalled like the product does it (own network in, spoof-proof). */
  async function guest(vmid: number, bridge: string, ip: string, own: string, opts: { firewall?: boolean; node?: string } = {}) {
    const node = opts.node ?? "pve1";
    await cloneReady(t, vmid, node === "pve1" ? {} : { target: node });
    const gw = ip.replace(/\.\d+$/, ".1");
    await t.api.call("PUT", `/nodes/${node}/qemu/${vmid}/config`, {
      net0: `virtio=${MAC(vmid)},bridge=${bridge},firewall=1`,
      ipconfig0: `ip=${ip}/24,gw=${gw}`,
    });
    const fw = `/nodes/${node}/qemu/${vmid}/firewall`;
    await t.api.call("PUT", `${fw}/options`, {
      enable: opts.firewall === false ? 0 : 1,
      ipfilter: 1,
      macfilter: 1,
      policy_in: "DROP",
      policy_out: "ACCEPT",
      dhcp: 0,
    });
    await t.api.call("POST", `${fw}/ipset`, { name: "ipfilter-net0" });
    await t.api.call("POST", `${fw}/ipset/ipfilter-net0`, { cidr: ip });
    await t.api.call("POST", `${fw}/rules`, { type: "out", action: "DROP", dest: "10.240.0.0/16", enable: 1 });
    await t.api.call("POST", `${fw}/rules`, { type: "out", action: "ACCEPT", dest: own, enable: 1 });
    await t.api.call("POST", `${fw}/rules`, { type: "out", action: "DROP", dest: gw, enable: 1 });
    await t.api.call("POST", `${fw}/rules`, { type: "in", action: "ACCEPT", source: own, enable: 1 });
    const start = await t.api.waitTask(await t.api.call<string>("POST", `/nodes/${node}/qemu/${vmid}/status/start`));
    expect(start.exitstatus).toBe("OK");
  }

  beforeAll(async () => {
    t = await startTestSim({ nodes: [{ name: "pve1" }, { name: "pve2" }], taskDurationMs: 30, shortTaskDurationMs: 10 });
    await tenantNet("tena", 1101, "10.240.1");
    await tenantNet("tenb", 1102, "10.240.2");
    await t.api.waitTask(await t.api.call<string>("PUT", "/cluster/sdn"));
    await guest(501, "tena", "10.240.1.10", "10.240.1.0/24");
    await guest(502, "tena", "10.240.1.11", "10.240.1.0/24", { node: "pve2" });
    await guest(511, "tenb", "10.240.2.10", "10.240.2.0/24");
  });
  afterAll(() => t.stop());

  it("a tenant's guests reach each other across nodes (one VLAN) and the internet through the router's NAT", () => {
    expect(reach(501, 502)).toMatchObject({ reachable: true, path: expect.arrayContaining(["layer 2 on vlan:vmbr0:1101"]) });
    expect(reach(502, 501).reachable).toBe(true);
    expect(reach(501, "internet", { port: 443 })).toMatchObject({
      reachable: true,
      path: expect.arrayContaining(["routed by 10.240.1.1, NAT to the internet"]),
    });
  });

  it("never another tenant's: the sender's OUT rules drop it, and without them the receiver's policy_in does", async () => {
    expect(reach(501, 511)).toMatchObject({ reachable: false, reason: "dropped by VM 501 OUT: rule 3 DROP" });
    expect(reach(511, 502)).toMatchObject({ reachable: false, reason: "dropped by VM 511 OUT: rule 3 DROP" });
    await t.api.call("DELETE", "/nodes/pve1/qemu/511/firewall/rules/3");
    expect(reach(511, 502)).toMatchObject({ reachable: false, reason: "dropped by VM 502 IN: policy_in DROP" });
  });

  it("a spoofed source is dropped by ipfilter, a spoofed MAC by macfilter — the other tenant's address does not help", () => {
    expect(reach(501, 502, { srcIp: "10.240.1.99" })).toMatchObject({
      reachable: false,
      reason: "dropped by VM 501 OUT: ipfilter (source 10.240.1.99 is not in ipfilter-net0)",
    });
    expect(reach(511, 501, { srcIp: "10.240.1.11" }).reason).toBe("dropped by VM 511 OUT: ipfilter (source 10.240.1.11 is not in ipfilter-net0)");
    expect(reach(501, 502, { srcMac: "BC:24:11:99:99:99" }).reason).toMatch(/^dropped by VM 501 OUT: macfilter/);
  });

  it("nothing to the nodes: the gateway is dropped by rule, the management LAN is routed unless a rule drops it", async () => {
    expect(reach(501, "10.240.1.1", { port: 8006 }).reason).toBe("dropped by VM 501 OUT: rule 1 DROP");
    expect(reach(501, "node:pve1", { port: 8006 })).toMatchObject({ reachable: true });
    await t.api.call("POST", "/nodes/pve1/qemu/501/firewall/rules", { type: "out", action: "DROP", dest: "192.168.100.0/24", enable: 1 });
    expect(reach(501, "node:pve1", { port: 8006 }).reason).toBe("dropped by VM 501 OUT: rule 0 DROP");
  });

  it("the firewall is what isolates: off in the guest, or off for the datacenter, a routed neighbour is reachable", async () => {
    await guest(521, "tenb", "10.240.2.20", "10.240.2.0/24", { firewall: false });
    expect(reach(521, 502)).toMatchObject({ reachable: false, reason: "dropped by VM 502 IN: policy_in DROP" });
    expect(reach(501, 521).reachable).toBe(false);
    await control(t.sim, "PUT", "/_sim/firewall/cluster", { enable: 0 });
    try {
      expect(reach(521, 502).reachable).toBe(true);
      expect(reach(511, 501, { srcIp: "10.240.1.11" }).reachable).toBe(true);
    } finally {
      await control(t.sim, "PUT", "/_sim/firewall/cluster", { enable: 1 });
    }
  });

  it("segments follow the zone: a Simple zone's VNet is per node; isolate-ports splits a VNet until applied otherwise; no subnet, no gateway", async () => {
    await t.api.call("POST", "/cluster/sdn/zones", { zone: "loc", type: "simple", ipam: "pve" });
    await t.api.call("POST", "/cluster/sdn/vnets", { vnet: "locnet", zone: "loc", "isolate-ports": 1 });
    await t.api.call("POST", "/cluster/sdn/vnets/locnet/subnets", { subnet: "10.250.0.0/24", type: "subnet", gateway: "10.250.0.1", snat: 1 });
    await t.api.waitTask(await t.api.call<string>("PUT", "/cluster/sdn"));
    await guest(531, "locnet", "10.250.0.10", "10.250.0.0/24", { firewall: false });
    await guest(532, "locnet", "10.250.0.11", "10.250.0.0/24", { firewall: false });
    await guest(533, "locnet", "10.250.0.12", "10.250.0.0/24", { firewall: false, node: "pve2" });
    expect(reach(531, 532).reason).toBe("isolated ports on simple:locnet@pve1");
    expect(reach(531, 533).path).toEqual(expect.arrayContaining(["routed by 10.250.0.1 to simple:locnet@pve2"]));
    expect(reach(531, "internet").reachable).toBe(true);

    await t.api.call("DELETE", "/cluster/sdn/vnets/locnet/subnets/loc-10.250.0.0-24");
    await t.api.call("PUT", "/cluster/sdn/vnets/locnet", { delete: "isolate-ports" });
    expect(reach(531, 532).reason).toBe("isolated ports on simple:locnet@pve1");
    await t.api.waitTask(await t.api.call<string>("PUT", "/cluster/sdn"));
    expect(reach(531, 532).reachable).toBe(true);
    expect(reach(531, "internet").reason).toBe("VM 531 has no route off simple:locnet@pve1");
  });
});
