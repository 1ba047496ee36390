// Issue 26 end to end against the Proxmox stand-in's SDN, firewall and reachability model: two
// customers' orders built in parallel, each customer's VMs on one VNet of their own; what can
// reach what; what cleanup and deletion leave behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { deletionSteps } from "@/lib/billing-state/delete-retained-vm";
import { chooseNode } from "@/lib/provisioning/choose-node";
import { cloneTemplate, waitForClone } from "@/lib/provisioning/clone-template";
import { compensateProvisioning, inlineRunner } from "@/lib/provisioning/compensate";
import { configureVm, growDisk } from "@/lib/provisioning/configure-vm";
import { createTunnelAndDns } from "@/lib/provisioning/create-tunnel-and-dns";
import { protectHostnames } from "@/lib/provisioning/protect-hostnames";
import { reserveVmid } from "@/lib/provisioning/reserve-vmid";
import { startProvisioning } from "@/lib/provisioning/start-provisioning";
import { markReady, startVm } from "@/lib/provisioning/start-vm";
import { writeCloudInit } from "@/lib/provisioning/write-cloud-init";
import { prepareNetwork } from "@/lib/network/allocate-network";
import { attachNetwork } from "@/lib/network/attach-nic";
import { buildNetwork, checkFirewall, configureFirewall } from "@/lib/network/provision-steps";
import { addFirewallRule, setAllowAllOwn } from "@/lib/network/customer-rules";
import { syncVmFirewall } from "@/lib/network/vm-firewall";
import { deleteFirewallRule } from "@/lib/proxmox/firewall-api";
import { NOTHING_LEFT, createPaidOrder, leftoversFor, proxmox, retireProvisioningFixtures, vnetsOfNetwork } from "@/test/fixtures/provisioning";

type Built = { orderId: string; userId: string; vmId: string; vmid: number; ip: string; networkId: string };

/** Every provisioning step of a paid order, in order, up to a running VM (or `until` a step). */
async function provision(orderId: string, until?: "configure firewall"): Promise<Built> {
  await startProvisioning(orderId, 1);
  await reserveVmid(orderId);
  await chooseNode(orderId);
  const { upid } = await cloneTemplate(orderId);
  while (!(await waitForClone(orderId, upid, 10_000)).done);
  await configureVm(orderId);
  await growDisk(orderId);
  // Parallel orders: a Proxmox slot or a customer's VNet being made by their other order means
  // "wait and ask again", as the Inngest function does (it sleeps between turns).
  const again = async <T>(work: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await work();
      } catch (error) {
        if ((error as Error).name !== "ProxmoxBusyError") throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await again(() => prepareNetwork(orderId));
  await again(() => buildNetwork(orderId));
  await again(() => attachNetwork(orderId));
  await again(() => configureFirewall(orderId));
  if (!until) {
    await protectHostnames(orderId);
    await createTunnelAndDns(orderId);
    await writeCloudInit(orderId);
    await startVm(orderId);
    await again(() => checkFirewall(orderId));
    await markReady(orderId);
  }
  const vm = await db.vm.findUniqueOrThrow({ where: { orderId } });
  return { orderId, userId: vm.userId, vmId: vm.id, vmid: vm.vmid!, ip: vm.ipAddress!, networkId: vm.networkId! };
}

const reach = (from: Built, to: Built | string, extra: { port?: number; proto?: string; srcIp?: string } = {}) =>
  proxmox.reach({ from: from.vmid, to: typeof to === "string" ? to : to.vmid, ...extra });

let a1: Built, a2: Built, b1: Built;

beforeAll(async () => {
  const a = await createPaidOrder();
  const a2Order = await db.order.create({
    data: { ...a.order, id: undefined, stripeCheckoutSessionId: null, stripeSubscriptionId: null, hostname: `${a.order.hostname}-2` },
  });
  const b = await createPaidOrder();
  // Three orders at once: two of customer A, one of customer B.
  [a1, a2, b1] = await Promise.all([provision(a.order.id), provision(a2Order.id), provision(b.order.id)]);
}, 120_000);
afterAll(retireProvisioningFixtures);

describe("tenant networks (issue 26)", () => {
  it("I5: parallel orders never share a VNet across customers; one customer's VMs share theirs", async () => {
    expect(a1.networkId).toBe(a2.networkId);
    expect(b1.networkId).not.toBe(a1.networkId);
    const [na, nb] = await Promise.all([a1, b1].map((x) => db.customerNetwork.findUniqueOrThrow({ where: { id: x.networkId } })));
    expect(na!.vnet).not.toBe(nb!.vnet);
    expect(na!.tag).not.toBe(nb!.tag);
    expect(na!.subnet).not.toBe(nb!.subnet);
    expect([a1.ip, a2.ip].every((ip) => ip.startsWith(na!.subnet.replace(/0\/24$/, "")))).toBe(true);
    expect(a1.ip).not.toBe(a2.ip);
    // In Proxmox: one VNet per customer, applied, with its tag and subnet; each VM's NIC on it.
    const { running } = await proxmox.sdn();
    for (const n of [na!, nb!]) {
      expect(await vnetsOfNetwork(n.id)).toEqual([n.vnet]);
      expect(running!.files.vnets[n.vnet]).toMatchObject({ zone: "labvps", tag: n.tag });
      expect(running!.files.subnets[`labvps-${n.subnet.replace("/", "-")}`]).toMatchObject({ vnet: n.vnet, gateway: n.gateway, snat: 1 });
    }
    for (const x of [a1, a2, b1])
      expect(String((await proxmox.vm(x.vmid))!.config.net0)).toMatch(new RegExp(`,bridge=${x === b1 ? nb!.vnet : na!.vnet},firewall=1$`));
  });

  it("I5: customer A's VMs reach each other and the internet, never customer B's (nor B theirs)", async () => {
    expect(await reach(a1, a2)).toMatchObject({ reachable: true });
    expect(await reach(a2, a1, { port: 80 })).toMatchObject({ reachable: true });
    expect(await reach(a1, "internet", { port: 443 })).toMatchObject({ reachable: true });
    expect(await reach(b1, "internet", { port: 443 })).toMatchObject({ reachable: true });
    expect(await reach(a1, b1)).toMatchObject({ reachable: false, reason: expect.stringMatching(/^dropped by VM \d+ OUT: rule 2 DROP$/) });
    expect(await reach(b1, a2)).toMatchObject({ reachable: false, reason: expect.stringMatching(/^dropped by VM \d+ OUT: rule 2 DROP$/) });
  });

  it("I5: a spoofed source from A's VM is dropped, whichever address it borrows", async () => {
    expect(await reach(a1, a2, { srcIp: a2.ip })).toMatchObject({
      reachable: false,
      reason: `dropped by VM ${a1.vmid} OUT: ipfilter (source ${a2.ip} is not in ipfilter-net0)`,
    });
    expect(await reach(a1, b1, { srcIp: b1.ip })).toMatchObject({ reachable: false, reason: expect.stringContaining("ipfilter") });
    expect(await reach(a1, "internet", { srcIp: "10.99.0.1" })).toMatchObject({ reachable: false, reason: expect.stringContaining("ipfilter") });
  });

  it("nothing reaches the Proxmox nodes: their management network and the subnet's gateway are dropped", async () => {
    const gateway = (await db.customerNetwork.findUniqueOrThrow({ where: { id: a1.networkId } })).gateway;
    expect(await reach(a1, "node:pve1", { port: 8006 })).toMatchObject({ reachable: false, reason: `dropped by VM ${a1.vmid} OUT: rule 0 DROP` });
    expect(await reach(a1, gateway, { port: 22 })).toMatchObject({ reachable: false, reason: `dropped by VM ${a1.vmid} OUT: rule 0 DROP` });
  });

  it("what the customer opens is what gets in: only TCP 22 from their own VMs, once carried out", async () => {
    await addFirewallRule(a2.userId, { vmId: a2.vmId, protocol: "tcp", ports: "22", comment: "ssh" });
    await setAllowAllOwn(a2.userId, { vmId: a2.vmId, allowAll: "selected" });
    // Until the vm-firewall function runs, Proxmox still has the previous rules.
    expect(await reach(a1, a2, { port: 80 })).toMatchObject({ reachable: true });
    expect((await syncVmFirewall(a2.vmId)).changed).toEqual(["rules from position 3"]);
    expect(await reach(a1, a2, { port: 22 })).toMatchObject({ reachable: true });
    expect(await reach(a1, a2, { port: 80 })).toMatchObject({ reachable: false, reason: `dropped by VM ${a2.vmid} IN: policy_in DROP` });
    expect(await reach(a1, a2, { proto: "icmp", port: 0 })).toMatchObject({ reachable: false });
    expect(await reach(a2, a1, { port: 80 })).toMatchObject({ reachable: true }); // a1 still allows everything from a2
    expect((await syncVmFirewall(a2.vmId)).changed).toEqual([]); // carried out: nothing left to change
    await setAllowAllOwn(a2.userId, { vmId: a2.vmId, allowAll: "all" });
    await syncVmFirewall(a2.vmId);
    expect(await reach(a1, a2, { port: 80 })).toMatchObject({ reachable: true });
  });

  it("a firewall changed by hand is put back by the next sync, outbound rules included", async () => {
    await deleteFirewallRule("pve1", a1.vmid, 2); // "no other customers" gone
    expect(await reach(a1, b1)).toMatchObject({ reachable: false, reason: expect.stringMatching(/IN: policy_in DROP$/) });
    expect((await syncVmFirewall(a1.vmId)).changed).toEqual(["rules from position 2"]);
    expect(await reach(a1, b1)).toMatchObject({ reachable: false, reason: `dropped by VM ${a1.vmid} OUT: rule 2 DROP` });
  });

  it("I8: a failed order of A is cleaned up to nothing while A's network stays for A's other VMs", async () => {
    const extra = await db.order.create({
      data: {
        ...(await db.order.findUniqueOrThrow({ where: { id: a1.orderId } })),
        id: undefined,
        status: "paid",
        stripeCheckoutSessionId: null,
        stripeSubscriptionId: null,
        hostname: "lab-extra",
        provisionAttempts: 0,
        provisionedAt: null,
      },
    });
    const a3 = await provision(extra.id, "configure firewall");
    expect(a3.networkId).toBe(a1.networkId);
    expect((await proxmox.firewalls())[String(a3.vmid)]).toBeDefined();
    const report = await compensateProvisioning({ orderId: extra.id, attempt: 1, error: "start vm: injected" }, inlineRunner(50));
    expect(report.cleanup.filter((c) => !c.ok)).toEqual([]);
    expect(report.cleanup.find((c) => c.action === "release network")?.detail).toMatch(/network stays for their other VMs/);
    expect(await leftoversFor(a3.vmid, a3.vmId)).toEqual(NOTHING_LEFT);
    expect(await vnetsOfNetwork(a1.networkId)).toHaveLength(1);
    expect(await reach(a1, a2)).toMatchObject({ reachable: true });
  });

  it("I8: deleting A's VMs (the billing deletion path) removes A's VNet and subnet with the last one, and leaves B's alone", async () => {
    const vnet = (await db.customerNetwork.findUniqueOrThrow({ where: { id: a1.networkId } })).vnet;
    for (const x of [a1, a2]) {
      const results: string[] = [];
      for (const [, action] of deletionSteps) results.push(await action(x.orderId));
      expect(await leftoversFor(x.vmid, x.vmId)).toMatchObject({ vm: undefined, firewall: undefined, reservation: null });
      if (x === a1) expect(results.join("\n")).toMatch(/network stays for their other VMs/);
      else expect(results.join("\n")).toMatch(new RegExp(`last VM: removed subnet [\\d./]+, vnet ${vnet} and applied`));
    }
    expect(await vnetsOfNetwork(a1.networkId)).toEqual([]);
    const { files, running } = await proxmox.sdn();
    expect(Object.values(files.subnets).filter((s) => s.vnet === vnet)).toEqual([]);
    expect(Object.values(running!.files.subnets).filter((s) => s.vnet === vnet)).toEqual([]);
    expect(await db.customerNetwork.findUnique({ where: { id: a1.networkId } })).toBeNull();
    expect(await vnetsOfNetwork(b1.networkId)).toHaveLength(1);
    expect(await reach(b1, "internet")).toMatchObject({ reachable: true });
  });
});
