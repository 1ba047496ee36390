// The chaos checker must not be vacuous: a clean world passes, and each kind of breakage the
// issue names (Proxmox work for an unpaid order, an orphan or shared resource, a wrong plan, a
// second ready email, too much Proxmox work at once) is reported. Synthetic observations only.
import { describe, expect, it } from "vitest";
import { checkInvariants, type Observation } from "./check";
import { drawScenario } from "./scenario";

const token = (tunnelId: string) => Buffer.from(JSON.stringify({ a: "acc", t: tunnelId, s: "secret" })).toString("base64");

function cleanWorld(): Observation {
  const order = (index: number, payment: "paid" | "declined") => ({
    plan: { index, plan: "clab-starter" as const, payment, delivery: { kind: "normal" as const }, gapMs: 0 },
    orderId: `ord${index}`,
    sessionId: `cs_${index}`,
    hostname: `chaos-h${index}`,
    userEmail: `u${index}@example.test`,
    resources: { vcpus: 2, ramGb: 8, diskGb: 60, labType: "containerlab" },
    failedAttempts: 0,
    reservationVmid: null as number | null,
    status: "awaiting_payment",
    vm: null as unknown,
  });
  const running = {
    ...order(0, "paid"),
    status: "provisioned",
    reservationVmid: 1000,
    vm: {
      status: "running",
      vmid: 1000,
      tunnelId: "t-1",
      sshHostname: "ssh-a.lab",
      webHostname: null,
      accessAppId: "app-1",
      accessPolicyId: "pol-1",
      networkId: "net-a",
      ipAddress: "10.240.0.10",
    },
  };
  const failed = { ...order(1, "paid"), status: "failed", failedAttempts: 1, vm: { status: "failed", vmid: null, tunnelId: null } };
  return {
    orders: [running, failed, order(2, "declined")],
    proxmoxVms: [
      {
        vmid: 1000,
        name: "chaos-h0",
        status: "running",
        config: {
          cores: 2,
          memory: 8192,
          scsi0: "local-lvm:vm-1000-disk-0,size=60G",
          cicustom: "user=local:snippets/a.yaml",
          net0: "virtio=BC:24:11:00:00:01,bridge=lv0,firewall=1",
        },
      },
    ],
    snippets: [{ name: "a.yaml", content: `runcmd:\n  - [cloudflared, service, install, "${token("t-1")}"]\n` }],
    requests: [{ id: 1, method: "POST", path: "/nodes/pve1/qemu/9001/clone", params: { newid: "1000", name: "chaos-h0" }, status: 200 }],
    inflightMax: 2,
    tunnels: [
      {
        id: "t-1",
        name: "labvps-a",
        configuration: { config: { ingress: [{ hostname: "ssh-a.lab", service: "ssh://localhost:22" }, { service: "http_status:404" }] } },
      },
    ],
    dnsRecords: [{ id: "r-1", type: "CNAME", name: "ssh-a.lab", content: "t-1.cfargotunnel.com" }],
    accessApps: [
      {
        id: "app-1",
        name: "labvps-a",
        destinations: [{ type: "public", uri: "ssh-a.lab" }],
        policies: [{ id: "pol-1", decision: "allow", include: [{ email: { email: "u0@example.test" } }] }],
      },
    ],
    accessPolicies: [{ id: "pol-1", name: "labvps-a" }],
    mails: [
      { to: ["u0@example.test"], subject: "Your lab VM chaos-h0 is ready" },
      { to: ["ops@lab.localhost"], subject: "Provisioning failed: order ord1" },
    ],
    operatorEmail: "ops@lab.localhost",
    network: {
      vnets: (["pending", "running"] as const).map((where) => ({ vnet: "lv0", alias: "labvps-net-a", tag: 1000, where })),
      subnets: (["pending", "running"] as const).map((where) => ({ id: "labvps-10.240.0.0-24", vnet: "lv0", where })),
      firewalls: { "1000": { options: { enable: 1, ipfilter: 1 }, ipset: { "ipfilter-net0": [{ cidr: "10.240.0.10" }] } } },
      customerNetworks: [{ id: "net-a", vnet: "lv0", status: "ready", userEmail: "u0@example.test" }],
    },
  };
}

describe("chaos checker", () => {
  it("passes a world where every invariant holds", () => {
    expect(checkInvariants(cleanWorld(), 2)).toEqual({
      violations: [],
      leftovers: {
        vms: 0,
        tunnels: 0,
        dnsRecords: 0,
        snippets: 0,
        accessApps: 0,
        accessPolicies: 0,
        reservations: 0,
        vnets: 0,
        subnets: 0,
        firewalls: 0,
        networks: 0,
      },
    });
  });

  const broken: [string, (o: Observation) => void, RegExp][] = [
    [
      "I1: a Proxmox request naming an unpaid order",
      (o) => o.requests.push({ id: 2, method: "POST", path: "/nodes/pve1/qemu/9001/clone", params: { newid: "1001", name: "chaos-h2" }, status: 200 }),
      /I1: Proxmox received 1 request\(s\) for unpaid order 2/,
    ],
    [
      "I1: a clone for no paid order",
      (o) => o.requests.push({ id: 2, method: "POST", path: "/nodes/pve1/qemu/9001/clone", params: { newid: "1001", name: "someone-else" }, status: 200 }),
      /I1: a clone .* names no paid order/,
    ],
    [
      "an orphan VM left by a failed order",
      (o) => o.proxmoxVms.push({ vmid: 1001, name: "chaos-h1", status: "stopped", config: {} }),
      /I8: orphan Proxmox VM 1001/,
    ],
    [
      "issue 26: an orphan VNet and subnet left by a failed order",
      (o) => {
        o.network.vnets.push({ vnet: "lv1", alias: "labvps-net-b", tag: 1001, where: "running" });
        o.network.subnets.push({ id: "labvps-10.240.1.0-24", vnet: "lv1", where: "running" });
      },
      /I8: orphan VNet lv1 \(running, alias labvps-net-b\)[\s\S]*I8: orphan subnet labvps-10\.240\.1\.0-24 on lv1/,
    ],
    [
      "issue 26: an orphan guest firewall file",
      (o) => (o.network.firewalls["1001"] = { options: { enable: 1 } }),
      /I8: orphan guest firewall file for VMID 1001/,
    ],
    [
      "issue 26: an orphan customer network row",
      (o) => o.network.customerNetworks.push({ id: "net-b", vnet: "lv1", status: "removing", userEmail: "u1@example.test" }),
      /I8: orphan customer network lv1 \(removing\)/,
    ],
    ["issue 26: a running VM without ipfilter", (o) => (o.network.firewalls["1000"].options.ipfilter = 0), /I5: .*VM 1000's firewall is not on with ipfilter/],
    [
      "issue 26: a running VM that may send from another address",
      (o) => o.network.firewalls["1000"].ipset["ipfilter-net0"].push({ cidr: "10.240.0.0/24" }),
      /I5: .*ipfilter-net0 is \["10\.240\.0\.10","10\.240\.0\.0\/24"\]/,
    ],
    [
      "issue 26: a running VM's NIC left on the shared bridge",
      (o) => (o.proxmoxVms[0]!.config.net0 = "virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1"),
      /I5: .*NIC is "virtio=.*bridge=vmbr0,firewall=1", not on lv0/,
    ],
    ["a failed order that keeps its VMID", (o) => (o.orders[1]!.reservationVmid = 1001), /I8: failed paid order 1 .* still holds VMID reservation 1001/],
    [
      "an orphan tunnel and DNS record",
      (o) => {
        o.tunnels.push({ id: "t-2", name: "labvps-b", configuration: null });
        o.dnsRecords.push({ id: "r-2", type: "CNAME", name: "ssh-b.lab", content: "t-2.cfargotunnel.com" });
      },
      /I8: orphan tunnel labvps-b[\s\S]*I8: orphan DNS record CNAME ssh-b.lab/,
    ],
    [
      "a hostname routed by two tunnels",
      (o) =>
        o.tunnels.push({ id: "t-2", name: "labvps-b", configuration: { config: { ingress: [{ hostname: "ssh-a.lab", service: "ssh://localhost:22" }] } } }),
      /I5: 2 tunnels route ssh-a.lab/,
    ],
    [
      "cloud-init connecting to another VM's tunnel",
      (o) => (o.snippets[0]!.content = `[cloudflared, service, install, "${token("t-9")}"]`),
      /I5: .* connects to tunnel t-9, not its own t-1/,
    ],
    ["an orphan snippet", (o) => o.snippets.push({ name: "b.yaml", content: "" }), /I8: orphan cloud-init snippet b.yaml/],
    [
      "an orphan Access application and policy left by a failed order",
      (o) => {
        o.accessApps.push({ id: "app-2", name: "labvps-b", destinations: [{ type: "public", uri: "ssh-b.lab" }], policies: [] });
        o.accessPolicies.push({ id: "pol-2", name: "labvps-b" });
      },
      /I8: orphan Access application labvps-b \(app-2\)[\s\S]*I8: orphan Access policy labvps-b \(pol-2\)/,
    ],
    ["a running VM without Access", (o) => o.accessApps.splice(0, 1), /I5: paid order 0 .* its Access application app-1 does not exist/],
    [
      "an Access policy admitting someone else",
      (o) => (o.accessApps[0]!.policies[0].include = [{ email: { email: "stranger@example.test" } }]),
      /I5: .* does not admit exactly u0@example.test/,
    ],
    [
      "an Access application covering more than the VM's hostnames",
      (o) => o.accessApps[0]!.destinations.push({ type: "public", uri: "ssh-other.lab" }),
      /I5: .* covers \["ssh-a.lab","ssh-other.lab"\], not exactly \["ssh-a.lab"\]/,
    ],
    ["the wrong plan resources", (o) => (o.proxmoxVms[0]!.config.memory = 4096), /has 4096 MB, plan 8 GB/],
    [
      "a second ready email",
      (o) => o.mails.push({ to: ["u0@example.test"], subject: "Your lab VM chaos-h0 is ready" }),
      /I3: order 0 \(provisioned\) got 2 ready emails, expected 1/,
    ],
    ["a lost operator email", (o) => o.mails.splice(1, 1), /I8: order 1 failed 1 time\(s\) but the operator got 0/],
    ["a stuck order", (o) => (o.orders[1]!.status = "provisioning"), /I8: paid order 1 .* is stuck/],
    ["too much Proxmox work at once", (o) => (o.inflightMax = 3), /in-flight maximum 3 is above PROVISION_CONCURRENCY=2/],
  ];
  for (const [what, breakIt, expected] of broken) {
    it(`reports ${what}`, () => {
      const o = cleanWorld();
      breakIt(o);
      expect(checkInvariants(o, 2).violations.join("\n")).toMatch(expected);
    });
  }
});

describe("chaos scenario", () => {
  it("is the same for the same seed (replayable) and differs between seeds", () => {
    const strip = (s: ReturnType<typeof drawScenario>) => JSON.stringify({ ...s, targetedFaults: s.targetedFaults.map((t) => ({ ...t, path: t.path(1) })) });
    expect(strip(drawScenario(42, 10))).toBe(strip(drawScenario(42, 10)));
    expect(strip(drawScenario(42, 10))).not.toBe(strip(drawScenario(43, 10)));
  });

  it("always has a paid and an unpaid order, a fault on one paid order's own VM, and faults on compensation's calls", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const s = drawScenario(seed, 4);
      expect(s.orders.some((o) => o.payment === "paid") && s.orders.some((o) => o.payment !== "paid")).toBe(true);
      expect(s.targetedFaults.length).toBeGreaterThan(0);
      for (const t of s.targetedFaults) expect(s.orders[t.orderIndex]!.payment).toBe("paid");
      expect(s.compensationFaults.length).toBeGreaterThan(0);
    }
  });
});
