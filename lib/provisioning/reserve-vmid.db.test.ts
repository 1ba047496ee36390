import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { cloneVm, deleteVm, getTaskStatus, listClusterVms } from "@/lib/proxmox/api";
import { claimVmid, reserveVmid } from "./reserve-vmid";
import { startProvisioning } from "./start-provisioning";
import { createPaidOrder, proxmox, retireProvisioningFixtures } from "@/test/fixtures/provisioning";

afterAll(retireProvisioningFixtures);

async function provisioningOrders(count: number) {
  const orders = [];
  for (let i = 0; i < count; i++) {
    const { order } = await createPaidOrder();
    const started = await startProvisioning(order.id, 1);
    expect(started.proceed).toBe(true);
    orders.push(order);
  }
  return orders;
}

describe("reserve vmid", () => {
  it("I3: 50 orders reserving at once get 50 distinct VMIDs, all in range and none held in the cluster", async () => {
    const orders = await provisioningOrders(50);
    const started = performance.now();
    const ids = await Promise.all(orders.map((o) => reserveVmid(o.id)));
    console.info(`50 concurrent reservations: ${Math.round(performance.now() - started)} ms`);
    expect(new Set(ids).size).toBe(50);
    const { VM_ID_MIN, VM_ID_MAX } = env();
    for (const id of ids) {
      expect(id).toBeGreaterThanOrEqual(VM_ID_MIN);
      expect(id).toBeLessThanOrEqual(VM_ID_MAX);
    }
    const inCluster = new Set((await listClusterVms()).map((v) => Number(v.vmid)));
    expect(ids.filter((id) => inCluster.has(id))).toEqual([]);
    const rows = await db.vmidReservation.findMany({ where: { orderId: { in: orders.map((o) => o.id) } } });
    expect(rows.map((r) => r.vmid).sort()).toEqual([...ids].sort());
    const vms = await db.vm.findMany({ where: { orderId: { in: orders.map((o) => o.id) } }, select: { orderId: true, vmid: true } });
    expect(Object.fromEntries(vms.map((v) => [v.orderId, v.vmid]))).toEqual(Object.fromEntries(orders.map((o, i) => [o.id, ids[i]])));
  });

  it("I3: a re-run keeps the order's VMID, even when asked concurrently", async () => {
    const [order] = await provisioningOrders(1);
    const first = await reserveVmid(order!.id);
    const again = await Promise.all([reserveVmid(order!.id), reserveVmid(order!.id), claimVmid(order!.id, env().VM_ID_MIN, env().VM_ID_MAX, [])]);
    expect(again).toEqual([first, first, first]);
    expect(await db.vmidReservation.count({ where: { orderId: order!.id } })).toBe(1);
  });

  it("skips an id the cluster holds even though the database does not know it", async () => {
    const [order] = await provisioningOrders(1);
    const { VM_ID_MIN, VM_ID_MAX } = env();
    const taken = await db.vmidReservation.findMany({ select: { vmid: true } });
    const held = new Set(taken.map((t) => t.vmid));
    let lowestFree = VM_ID_MIN;
    while (held.has(lowestFree)) lowestFree++;
    const inCluster = (await listClusterVms()).map((v) => Number(v.vmid));
    const id = await claimVmid(order!.id, VM_ID_MIN, VM_ID_MAX, [...inCluster, lowestFree]);
    expect(id).not.toBe(lowestFree);
    expect(id).toBeGreaterThan(lowestFree);
  });

  it("I8: an id held by a guest the token may not audit (hidden from cluster/resources) is confirmed with nextid and skipped", async () => {
    const [order] = await provisioningOrders(1);
    const { VM_ID_MIN } = env();
    const used = new Set([
      ...(await db.vmidReservation.findMany({ select: { vmid: true } })).map((r) => r.vmid),
      ...(await listClusterVms()).map((v) => Number(v.vmid)),
    ]);
    let hiddenId = VM_ID_MIN;
    while (used.has(hiddenId)) hiddenId++;
    const finished = async (upid: string) => {
      while ((await getTaskStatus("pve1", upid)).status === "running") await new Promise((r) => setTimeout(r, 20));
    };
    await finished(await cloneVm("pve1", 9001, { newid: hiddenId, name: "someone-elses", full: true }));
    // Another team's VM: this token holds no privilege on it (PVE's NoAccess role).
    await proxmox.setAcl([
      { path: "/", privs: ["VM.Audit"] },
      { path: `/vms/${hiddenId}`, privs: [] },
    ]);
    try {
      expect((await listClusterVms()).map((v) => v.vmid)).not.toContain(hiddenId);
      const mark = await proxmox.mark();
      const id = await reserveVmid(order!.id);
      expect(id).not.toBe(hiddenId);
      expect(id).toBeGreaterThan(hiddenId);
      const asked = (await proxmox.requests(mark)).filter((r) => r.path === "/cluster/nextid").map((r) => [r.params.vmid, r.status]);
      expect(asked).toEqual([
        [String(hiddenId), 400],
        [String(id), 200],
      ]);
    } finally {
      await proxmox.setAcl(null);
      await finished(await deleteVm("pve1", hiddenId));
    }
  });

  it("refuses, without retrying forever, when the range is full", async () => {
    const [order] = await provisioningOrders(1);
    const held = (await db.vmidReservation.findMany({ select: { vmid: true }, orderBy: { vmid: "asc" }, take: 1 }))[0]!.vmid;
    await expect(claimVmid(order!.id, held, held, [])).rejects.toThrow(`no free VMID left in ${held}..${held}`);
  });
});
