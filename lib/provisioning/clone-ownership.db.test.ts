// Issue 8 item 2 (product side): a clone writes its config inside the task, first as Proxmox's
// temporary file (`description: qmclone temporary file`, `lock: clone`). A retry after a lost
// POST answer must wait for that to become the real config before judging whose VM it is.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { cloneVm, getVmConfig } from "@/lib/proxmox/api";
import { waitForTaskOk } from "@/lib/proxmox/tasks";
import { chooseNode } from "./choose-node";
import { cloneTemplate, waitForClone } from "./clone-template";
import { ownerMarker } from "./naming";
import { reserveVmid } from "./reserve-vmid";
import { startProvisioning } from "./start-provisioning";
import { createPaidOrder, proxmox, retireProvisioningFixtures } from "@/test/fixtures/provisioning";

afterEach(() => proxmox.clearFaults());
afterAll(retireProvisioningFixtures);

describe("clone ownership while the clone task runs (I8)", () => {
  it("I8: a retry that finds the VMID's temporary clone config waits, then adopts the clone that turns out ours", async () => {
    const { order } = await createPaidOrder();
    await startProvisioning(order.id, 1);
    const vmid = await reserveVmid(order.id);
    await chooseNode(order.id);
    // Our clone POST went through but its answer was lost: no `clonedAt`, the task still running.
    await proxmox.fault({ method: "POST", path: "/qemu/\\d+/clone$", kind: "slowTask", ms: 2500, times: 1 });
    const upid = await cloneVm("pve1", 9001, { newid: vmid, name: order.hostname, description: ownerMarker(order.id) });
    expect(await getVmConfig("pve1", vmid)).toMatchObject({ description: "qmclone temporary file", lock: "clone" });

    expect(await cloneTemplate(order.id)).toEqual({ upid: null, pending: "temporary config" });
    expect((await db.vm.findUniqueOrThrow({ where: { orderId: order.id } })).clonedAt).toBeNull();
    await waitForTaskOk(upid, "clone", 30_000);
    expect(await cloneTemplate(order.id)).toEqual({ upid: null });
    expect((await db.vm.findUniqueOrThrow({ where: { orderId: order.id } })).clonedAt).toBeInstanceOf(Date);
    expect(await waitForClone(order.id, null)).toEqual({ done: true });
  });

  it("I8: a temporary config that becomes someone else's VM is reported, never adopted", async () => {
    const { order } = await createPaidOrder();
    await startProvisioning(order.id, 1);
    const vmid = await reserveVmid(order.id);
    await chooseNode(order.id);
    await proxmox.fault({ method: "POST", path: "/qemu/\\d+/clone$", kind: "slowTask", ms: 1500, times: 1 });
    const upid = await cloneVm("pve1", 9001, { newid: vmid, name: "someone-else", description: "not ours" });
    try {
      expect(await cloneTemplate(order.id)).toMatchObject({ pending: "temporary config" });
      await waitForTaskOk(upid, "clone", 30_000);
      await expect(cloneTemplate(order.id)).rejects.toThrow(
        `VMID ${vmid} exists in Proxmox (qemu on pve1) and was not created for this order; not touching it`,
      );
    } finally {
      const { deleteVm } = await import("@/lib/proxmox/api");
      await waitForTaskOk(await deleteVm("pve1", vmid), "cleanup", 30_000);
    }
  });
});
