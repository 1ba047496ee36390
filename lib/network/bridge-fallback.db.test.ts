// The documented fallback without SDN (issue 26): every VM on the templates' bridge with a static
// address from its subnet, kept apart by the VM firewall alone. A customer's VMs still reach each
// other (their addresses are each other's `labvps-own`), never another customer's; spoofing is
// dropped; the nodes, neighbours on that bridge, are not reachable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedCatalog } from "@/lib/catalog/seed-catalog";
import { chooseNode } from "@/lib/provisioning/choose-node";
import { cloneTemplate, waitForClone } from "@/lib/provisioning/clone-template";
import { deletionSteps } from "@/lib/billing-state/delete-retained-vm";
import { configureVm } from "@/lib/provisioning/configure-vm";
import { reserveVmid } from "@/lib/provisioning/reserve-vmid";
import { startProvisioning } from "@/lib/provisioning/start-provisioning";
import { markReady, startVm } from "@/lib/provisioning/start-vm";
import { writeCloudInit } from "@/lib/provisioning/write-cloud-init";
import { createTunnelAndDns } from "@/lib/provisioning/create-tunnel-and-dns";
import { protectHostnames } from "@/lib/provisioning/protect-hostnames";
import { prepareNetwork } from "@/lib/network/allocate-network";
import { attachNetwork } from "@/lib/network/attach-nic";
import { buildNetwork, checkFirewall, configureFirewall } from "@/lib/network/provision-steps";
import { SETTINGS_ID, networkSettingsSchema } from "@/lib/network/settings";
import { syncVmFirewall } from "@/lib/network/vm-firewall";
import { NOTHING_LEFT, createPaidOrder, leftoversFor, proxmox, retireProvisioningFixtures } from "@/test/fixtures/provisioning";

type Built = { orderId: string; vmId: string; vmid: number; ip: string; userId: string };

async function provision(orderId: string): Promise<Built> {
  await startProvisioning(orderId, 1);
  await reserveVmid(orderId);
  await chooseNode(orderId);
  const { upid } = await cloneTemplate(orderId);
  while (!(await waitForClone(orderId, upid, 10_000)).done);
  await configureVm(orderId);
  expect(await prepareNetwork(orderId)).toMatchObject({ mode: "bridge", bridge: "vmbr0" });
  expect(await buildNetwork(orderId)).toEqual({ mode: "bridge", created: [] });
  await attachNetwork(orderId);
  await configureFirewall(orderId);
  await protectHostnames(orderId);
  await createTunnelAndDns(orderId);
  await writeCloudInit(orderId);
  await startVm(orderId);
  await checkFirewall(orderId);
  await markReady(orderId);
  const vm = await db.vm.findUniqueOrThrow({ where: { orderId } });
  return { orderId, vmId: vm.id, vmid: vm.vmid!, ip: vm.ipAddress!, userId: vm.userId };
}

const fallback = {
  mode: "bridge",
  sdnZone: "labvps",
  sdnZoneType: "vlan",
  tagMin: "",
  tagMax: "",
  addressPool: "10.240.0.0/16",
  subnetPrefix: "24",
  hostFirst: "100",
  hostLast: "199",
  bridge: "vmbr0",
  bridgeSubnet: "192.168.100.0/24",
  bridgeGateway: "192.168.100.1",
  nameservers: "1.1.1.1",
  managementCidrs: "192.168.100.11/32 192.168.100.12/32",
};

let saved: Awaited<ReturnType<typeof db.networkSettings.findUnique>>;
let a1: Built, a2: Built, b1: Built;

beforeAll(async () => {
  await seedCatalog(db);
  saved = await db.networkSettings.findUniqueOrThrow({ where: { id: SETTINGS_ID } });
  // The operator's switch, as the admin form validates it (a direct write: no VM holds an address now).
  const parsed = networkSettingsSchema.parse(fallback);
  expect(networkSettingsSchema.safeParse({ ...fallback, managementCidrs: "192.168.100.0/24" }).success).toBe(false);
  await db.networkSettings.update({
    where: { id: SETTINGS_ID },
    data: { ...parsed, nameservers: parsed.nameservers.join(" "), managementCidrs: parsed.managementCidrs.join(" ") },
  });
  const a = await createPaidOrder();
  const a2Order = await db.order.create({
    data: { ...a.order, id: undefined, stripeCheckoutSessionId: null, stripeSubscriptionId: null, hostname: `${a.order.hostname}-2` },
  });
  const b = await createPaidOrder();
  a1 = await provision(a.order.id);
  a2 = await provision(a2Order.id);
  b1 = await provision(b.order.id);
  // What the vm-firewall function does for a1 when a2 arrives ("update peer firewalls" asks it).
  await syncVmFirewall(a1.vmId);
}, 120_000);

afterAll(async () => {
  await retireProvisioningFixtures();
  if (saved) await db.networkSettings.update({ where: { id: SETTINGS_ID }, data: saved });
});

const reach = (from: Built, to: Built | string, extra: { port?: number; srcIp?: string } = {}) =>
  proxmox.reach({ from: from.vmid, to: typeof to === "string" ? to : to.vmid, ...extra });

describe("bridge fallback (no SDN)", () => {
  it("every VM on vmbr0 with firewall=1, its static address from the bridge subnet, and no customer network", async () => {
    for (const x of [a1, a2, b1]) {
      const vm = (await proxmox.vm(x.vmid))!;
      expect(String(vm.config.net0)).toMatch(/^virtio=[0-9A-F:]{17},bridge=vmbr0,firewall=1$/);
      expect(vm.config.ipconfig0).toBe(`ip=${x.ip}/24,gw=192.168.100.1`);
      expect(x.ip).toMatch(/^192\.168\.100\.1\d\d$/);
    }
    expect(await db.customerNetwork.count({ where: { userId: { in: [a1.userId, b1.userId] } } })).toBe(0);
  });

  it("I5: A's VMs reach each other and the internet; B cannot reach A nor A B, though all share one segment", async () => {
    expect(await reach(a1, a2)).toMatchObject({ reachable: true, path: expect.arrayContaining(["layer 2 on lan"]) });
    expect(await reach(a2, a1)).toMatchObject({ reachable: true });
    expect(await reach(a1, "internet", { port: 443 })).toMatchObject({ reachable: true });
    expect(await reach(b1, a1)).toMatchObject({ reachable: false, reason: expect.stringMatching(/OUT: rule 2 DROP$/) });
    expect(await reach(a1, b1)).toMatchObject({ reachable: false, reason: expect.stringMatching(/OUT: rule 2 DROP$/) });
  });

  it("I5: spoofing a neighbour's address is dropped; the nodes on the same bridge are not reachable", async () => {
    expect(await reach(b1, a1, { srcIp: a2.ip })).toMatchObject({ reachable: false, reason: expect.stringContaining("ipfilter") });
    expect(await reach(a1, "node:pve1", { port: 8006 })).toMatchObject({ reachable: false, reason: `dropped by VM ${a1.vmid} OUT: rule 0 DROP` });
  });

  it("I8: deleting a VM gives its address back, takes its firewall file away, and A's other VM forgets it", async () => {
    for (const [, action] of deletionSteps) await action(a2.orderId);
    expect(await leftoversFor(a2.vmid, a2.vmId)).toEqual(NOTHING_LEFT);
    await syncVmFirewall(a1.vmId);
    const own = (await proxmox.firewalls())[String(a1.vmid)]!.ipset["labvps-own"]!.map((e) => e.cidr);
    expect(own).toEqual([a1.ip]);
  });
});
