import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { findHypervisorLeaks } from "@/test/fixtures/hypervisor-leak";
import { listCustomerOrders, listCustomerVms } from "./list-customer-items";
import { loadVmPage, loadVmStatus } from "./vm-view";
import { createOrder, createPlan, createUser, createVmFixture } from "@/test/fixtures/vm";

const INTERNAL_KEYS = [
  "nodeName",
  "passwordCiphertext",
  "eveAdminPasswordCiphertext",
  "tunnelId",
  "accessAppId",
  "accessPolicyId",
  "snippetPath",
  "sshDnsRecordId",
  "webDnsRecordId",
  "userId",
  "orderId",
  "error",
];

function keysDeep(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysDeep(v, into));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) keysDeep(v, into.add(k));
  return into;
}

describe("the customer's VM view", () => {
  it("I4: holds whitelisted fields only, and no trace of the hypervisor or the upstream error", async () => {
    const { userId, vm } = await createVmFixture({ labType: "eve", nodeName: "pve-secret-7" });
    await db.powerRequest.create({
      data: {
        vmId: vm.id,
        userId,
        action: "start",
        status: "failed",
        error: "can't lock file '/var/lock/qemu-server/lock-1.conf' - got timeout (pve-secret-7, 10.0.0.5)",
      },
    });
    const page = await loadVmPage(userId, vm.id);
    const status = await loadVmStatus(userId, vm.id);
    expect(page).not.toBeNull();
    for (const data of [page, status]) {
      const keys = keysDeep(data);
      for (const key of INTERNAL_KEYS) expect(keys.has(key), key).toBe(false);
      const json = JSON.stringify(data);
      expect(
        findHypervisorLeaks(json, { nodeNames: ["pve-secret-7"], proxmoxHost: process.env.PROXMOX_API_URL, internalPatterns: [vm.tunnelId!, "snippets"] }),
      ).toEqual([]);
    }
    expect(page!.state.power).toMatchObject({ status: "failed", message: expect.stringMatching(/^We couldn't start your VM\./) });
    expect(page!.vm).toMatchObject({ vmid: vm.vmid, name: vm.name, labType: "EVE-NG", vcpus: 2, ramGb: 4, diskGb: 40, status: "running" });
    expect(page!.vm.access).toEqual({
      sshHostname: vm.sshHostname,
      sshConfig: `Host ${vm.name}\n  HostName ${vm.sshHostname}\n  User lab\n  ProxyCommand cloudflared access ssh --hostname %h\n`,
      alias: vm.name,
      eveUrl: `https://${vm.webHostname}`,
      protectedByAccess: false,
    });
    // A failed request is over: the buttons for the VM's state are offered again.
    expect(page!.state.allowedActions).toEqual(["shutdown", "stop", "reboot"]);
  });

  it("offers no connection details or power actions while the VM is being set up", async () => {
    const { userId, vm } = await createVmFixture({ status: "provisioning", vmid: null, nodeName: null, password: null });
    const page = await loadVmPage(userId, vm.id);
    expect(page!.vm.access).toBeNull();
    expect(page!.state.allowedActions).toEqual([]);
  });

  it("offers no power actions while a request is in flight", async () => {
    const { userId, vm } = await createVmFixture({ status: "stopped" });
    await db.powerRequest.create({ data: { vmId: vm.id, userId, action: "start", status: "running" } });
    const status = await loadVmStatus(userId, vm.id);
    expect(status).toMatchObject({
      status: "stopped",
      allowedActions: [],
      power: { action: "start", status: "running", active: true, message: "Starting your VM…" },
    });
  });

  it("I5: another user's VM, an unknown id and a deleted VM all load as nothing", async () => {
    const { userId, vm } = await createVmFixture();
    const stranger = await createUser();
    expect(await loadVmPage(stranger.id, vm.id)).toBeNull();
    expect(await loadVmStatus(stranger.id, vm.id)).toBeNull();
    expect(await loadVmPage(userId, "no-such-vm")).toBeNull();
    await db.vm.update({ where: { id: vm.id }, data: { status: "destroyed" } });
    expect(await loadVmPage(userId, vm.id)).toBeNull();
  });
});

describe("the dashboard lists", () => {
  it("I5: pages the user's own VMs and orders in SQL, newest first, without internal fields", async () => {
    const owner = await createUser();
    const other = await createVmFixture();
    const base = Date.now() - 60_000;
    const vms = [];
    for (let i = 0; i < 5; i++) vms.push((await createVmFixture({ userId: owner.id, createdAt: new Date(base + i * 1000) })).vm);
    await createVmFixture({ userId: owner.id, status: "destroyed" });

    const first = await listCustomerVms(owner.id, 1, 2);
    expect(first).toMatchObject({ total: 5, page: 1, pageCount: 3 });
    expect(first.items.map((v) => v.id)).toEqual([vms[4].id, vms[3].id]);
    expect((await listCustomerVms(owner.id, 3, 2)).items.map((v) => v.id)).toEqual([vms[0].id]);
    expect(first.items[0]).toMatchObject({ statusLabel: "Running", labType: "Containerlab" });
    expect(keysDeep(first).has("nodeName")).toBe(false);
    expect((await listCustomerVms(owner.id, 1, 50)).items.map((v) => v.id)).not.toContain(other.vm.id);

    // Each VM fixture made one provisioned order; add a failed one with an operator reason.
    const plan = await createPlan();
    const failed = await createOrder({
      userId: owner.id,
      planId: plan.id,
      status: "failed",
      failureReason: "clone failed on pve1: VM is locked",
      createdAt: new Date(),
    });
    const orders = await listCustomerOrders(owner.id, 1, 4);
    expect(orders).toMatchObject({ total: 7, pageCount: 2 });
    expect(orders.items[0]).toMatchObject({ id: failed.id, statusLabel: "Failed", planName: plan.name });
    expect(keysDeep(orders).has("failureReason")).toBe(false);
    expect(JSON.stringify(orders)).not.toContain("pve1");
    expect((await listCustomerOrders(owner.id, 2, 4)).items).toHaveLength(3);
  });

  it("is empty for a new customer (the page keeps its empty state)", async () => {
    const user = await createUser();
    expect(await listCustomerVms(user.id, 1)).toEqual({ items: [], total: 0, page: 1, pageCount: 1 });
    expect((await listCustomerOrders(user.id, 1)).total).toBe(0);
  });
});
