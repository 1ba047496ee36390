// Contract tests for the SDN API as pve-network answers it (PVE/API2/Network/SDN*.pm, the zone
// plugins, VnetPlugin, SubnetPlugin): pending until `PUT /cluster/sdn`, each zone type's tag
// rules, the refusals and their exact shapes, the permissions, and SDN not installed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, startTestSim } from "./testkit";

describe.each([8, 9] as const)("SDN, PVE %i", (version) => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ pveVersion: version, nodes: [{ name: "pve1" }, { name: "pve2" }], taskDurationMs: 60, shortTaskDurationMs: 20 });
  });
  afterAll(() => t.stop());
  const apply = async () => {
    const upid = await t.api.call<string>("PUT", "/cluster/sdn");
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:reloadnetworkall::root@pam!labvps:$/);
    expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
  };

  it("a VNet is pending until applied: listed, not running, and a guest on it cannot start until the nodes reloaded", async () => {
    await t.api.call("POST", "/cluster/sdn/vnets", { vnet: "cust1", zone: "labvps", tag: 1001, alias: "labvps-net-a" });
    expect((await t.api.call<Array<{ vnet: string }>>("GET", "/cluster/sdn/vnets")).map((v) => v.vnet)).toContain("cust1");
    expect((await t.api.call<Array<{ vnet: string }>>("GET", "/cluster/sdn/vnets", { running: 1 })).map((v) => v.vnet)).not.toContain("cust1");
    expect(await t.api.call("GET", "/cluster/sdn/vnets/cust1", { pending: 1 })).toMatchObject({
      vnet: "cust1",
      state: "new",
      pending: { zone: "labvps", tag: 1001 },
    });

    await cloneReady(t, 301);
    await t.api.call("PUT", "/nodes/pve1/qemu/301/config", { net0: "virtio=BC:24:11:00:00:01,bridge=cust1,firewall=1" });
    const early = await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/301/status/start"));
    expect(early.exitstatus).toBe("bridge 'cust1' does not exist");

    await apply();
    expect((await t.api.call<Array<{ vnet: string }>>("GET", "/cluster/sdn/vnets", { running: 1 })).map((v) => v.vnet)).toContain("cust1");
    expect(await t.api.call("GET", "/nodes/pve2/sdn/zones")).toEqual([{ zone: "labvps", status: "available", "zone-type": "vlan" }]);
    expect((await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/301/status/start"))).exitstatus).toBe("OK");
  });

  it("each zone type's tag rules are checked inside the SDN lock: a 500 carrying the parameter error", async () => {
    const missing = await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "notag", zone: "labvps" });
    expect(missing).toMatchObject({ status: 500, reason: "create sdn vnet object failed: 400 Parameter verification failed. tag: missing vlan tag" });
    const dup = await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "cust2", zone: "labvps", tag: 1001 });
    expect(dup.reason).toBe("create sdn vnet object failed: 400 Parameter verification failed. tag: tag 1001 already exist in vnet cust1");
    const taken = await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "cust1", zone: "labvps", tag: 1002 });
    expect(taken.reason).toBe("create sdn vnet object failed: sdn vnet object ID 'cust1' already defined");
    await t.api.call("POST", "/cluster/sdn/zones", { zone: "local1", type: "simple", ipam: "pve", dhcp: "dnsmasq" });
    expect((await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "s1", zone: "local1", tag: 5 })).reason).toBe(
      "create sdn vnet object failed: 400 Parameter verification failed. tag: vlan tag is not allowed on simple zone",
    );
    expect((await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "s2", zone: "nozone" })).reason).toBe(
      "create sdn vnet object failed: unknown section type ''",
    );
  });

  it("schemas refuse unknown and malformed parameters with 400 and field errors; a zone type refuses another type's options", async () => {
    expect(await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "waytoolongname", zone: "labvps", tag: 7, colour: "red" })).toMatchObject({
      status: 400,
      body: { errors: { vnet: "value may only be 8 characters long", colour: expect.stringContaining("not defined in schema") } },
    });
    expect((await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "9bad", zone: "labvps", tag: 7 })).body.errors).toEqual({
      vnet: "value does not match the regex pattern",
    });
    expect((await t.api.request("POST", "/cluster/sdn/zones", { zone: "v2", type: "vlan", bridge: "vmbr0", dhcp: "dnsmasq" })).reason).toBe(
      "unexpected property 'dhcp'",
    );
    expect((await t.api.request("POST", "/cluster/sdn/zones", { zone: "v3", type: "vlan" })).reason).toBe("missing value for required option 'bridge'");
    const token = await t.api.request("PUT", "/cluster/sdn", { "lock-token": "x" });
    expect(token.status).toBe(version === 8 ? 400 : 200);
  });

  it("subnets: the id is <zone>-<ip>-<mask>, the gateway must be inside, DHCP ranges are checked; a VNet with a subnet cannot go", async () => {
    expect((await t.api.request("POST", "/cluster/sdn/vnets/cust1/subnets", { subnet: "10.240.1.0/24", type: "subnet", gateway: "10.9.9.1" })).reason).toBe(
      "create sdn subnet object failed: 400 Parameter verification failed. gateway: 10.9.9.1 is not in subnet 10.240.1.0/24",
    );
    expect(
      (
        await t.api.request("POST", "/cluster/sdn/vnets/cust1/subnets", {
          subnet: "10.240.1.0/24",
          type: "subnet",
          "dhcp-range": "start-address=10.240.1.200,end-address=10.240.1.100",
        })
      ).reason,
    ).toBe(
      "create sdn subnet object failed: 400 Parameter verification failed. dhcp-range: start-address 10.240.1.200 must be smaller than end-address 10.240.1.100",
    );
    expect((await t.api.request("POST", "/cluster/sdn/vnets/cust1/subnets", { subnet: "10.240.1.0/24" })).body.errors).toEqual({
      type: "property is missing and it is not optional",
    });
    await t.api.call("POST", "/cluster/sdn/vnets/cust1/subnets", { subnet: "10.240.1.0/24", type: "subnet", gateway: "10.240.1.1", snat: 1 });
    expect(await t.api.call("GET", "/cluster/sdn/vnets/cust1/subnets/labvps-10.240.1.0-24")).toMatchObject({
      cidr: "10.240.1.0/24",
      gateway: "10.240.1.1",
      snat: 1,
      zone: "labvps",
    });
    expect((await t.api.request("DELETE", "/cluster/sdn/vnets/cust1")).reason).toBe(
      "delete sdn vnet object failed: 400 Parameter verification failed. vnet: Can't delete vnet if subnets exists",
    );
    expect((await t.api.request("DELETE", "/cluster/sdn/zones/labvps")).reason).toMatch(
      /^delete sdn zone object failed: zone labvps is used by vnet cust1 at /,
    );
    // An unknown subnet id in a zone with an IPAM: the PVE IPAM refuses the empty subnet.
    expect((await t.api.request("DELETE", "/cluster/sdn/vnets/cust1/subnets/labvps-10.240.9.0-24")).reason).toBe(
      "delete sdn subnet object failed: zone '' doesn't exist in IPAM DB",
    );
  });

  it("deleting is pending too: the running VNet stays until applied, then its bridge is gone from the nodes", async () => {
    await t.api.call("POST", "/cluster/sdn/vnets", { vnet: "gone1", zone: "labvps", tag: 1099 });
    await apply();
    await t.api.call("DELETE", "/cluster/sdn/vnets/gone1");
    expect(await t.api.call("GET", "/cluster/sdn/vnets/cust1")).toMatchObject({ vnet: "cust1" });
    const pending = await t.api.call<Array<{ vnet: string; state?: string }>>("GET", "/cluster/sdn/vnets", { pending: 1 });
    expect(pending.find((v) => v.vnet === "gone1")).toMatchObject({ state: "deleted" });
    expect((await control(t.sim, "GET", "/_sim/sdn")).json.generated).toMatchObject({ pve1: expect.any(Number) });
    await apply();
    expect((await t.api.call<Array<{ vnet: string }>>("GET", "/cluster/sdn/vnets", { pending: 1 })).map((v) => v.vnet)).not.toContain("gone1");
  });

  it("permissions: SDN.Allocate on the zone to create a VNet, on /sdn to apply; SDN.Use on the old and the new bridge to move a NIC", async () => {
    await cloneReady(t, 302);
    const base = [
      { path: "/vms", privs: ["VM.Audit", "VM.Config.Network", "VM.Allocate"] },
      { path: "/sdn/zones/localnetwork/vmbr0", privs: ["SDN.Use"] },
    ];
    await t.sim.setAcl(base);
    try {
      expect(await t.api.request("POST", "/cluster/sdn/vnets", { vnet: "cust3", zone: "labvps", tag: 1003 })).toMatchObject({
        status: 403,
        reason: "Permission check failed (/sdn/zones/labvps, SDN.Allocate)",
      });
      t.sim.setAcl([...base, { path: "/sdn/zones/labvps", privs: ["SDN.Allocate"] }]);
      await t.api.call("POST", "/cluster/sdn/vnets", { vnet: "cust3", zone: "labvps", tag: 1003 });
      expect((await t.api.request("PUT", "/cluster/sdn")).reason).toBe("Permission check failed (/sdn, SDN.Allocate)");
      expect((await t.api.request("PUT", "/nodes/pve1/qemu/302/config", { net0: "virtio=BC:24:11:00:00:02,bridge=cust3" })).reason).toBe(
        "Permission check failed (/sdn/zones/labvps/cust3, SDN.Use)",
      );
      t.sim.setAcl([
        { path: "/vms", privs: ["VM.Config.Network"] },
        { path: "/sdn/zones/labvps", privs: ["SDN.Use"] },
      ]);
      expect((await t.api.request("PUT", "/nodes/pve1/qemu/302/config", { net0: "virtio=BC:24:11:00:00:02,bridge=cust3" })).reason).toBe(
        "Permission check failed (/sdn/zones/localnetwork/vmbr0, SDN.Use)",
      );
      // The list only shows what the token may audit or allocate.
      t.sim.setAcl([{ path: "/sdn/zones/labvps/cust1", privs: ["SDN.Audit"] }]);
      expect((await t.api.call<Array<{ vnet: string }>>("GET", "/cluster/sdn/vnets")).map((v) => v.vnet)).toEqual(["cust1"]);
    } finally {
      t.sim.setAcl(null);
    }
  });

  it("a NIC written without its MAC gets a new one (parse_net), so keeping the MAC is the caller's job", async () => {
    const before = String((await t.api.call<Record<string, string>>("GET", "/nodes/pve1/qemu/302/config")).net0);
    await t.api.call("PUT", "/nodes/pve1/qemu/302/config", { net0: "virtio,bridge=vmbr0,firewall=1" });
    const after = String((await t.api.call<Record<string, string>>("GET", "/nodes/pve1/qemu/302/config")).net0);
    expect(after).toMatch(/^virtio=[0-9A-F:]{17},bridge=vmbr0,firewall=1$/);
    expect(after.slice(7, 24)).not.toBe(before.slice(7, 24));
    expect((await t.api.request("PUT", "/nodes/pve1/qemu/302/config", { net0: "virtio,bridge=vmbr0,speed=9" })).body.errors?.net0).toMatch(
      /net\.speed: property is not defined/,
    );
  });

  it("without SDN installed every /cluster/sdn path is a 501, like any path PVE does not have", async () => {
    await control(t.sim, "PUT", "/_sim/sdn", { enabled: false });
    try {
      expect(await t.api.request("GET", "/cluster/sdn/zones")).toMatchObject({
        status: 501,
        reason: "Method 'GET /api2/json/cluster/sdn/zones' not implemented",
      });
      expect((await t.api.request("GET", "/nodes/pve1/sdn/zones")).status).toBe(501);
    } finally {
      await control(t.sim, "PUT", "/_sim/sdn", { enabled: true });
    }
  });
});
