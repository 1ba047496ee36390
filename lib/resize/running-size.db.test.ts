// Resize against what real Proxmox does (qemu-server 9.2.6, ../shared/reference/EXTERNAL_APIS.md
// "Checked 2026-12-07"), on the strict stand-in: cores and memory written to a running VM stay
// pending while GET config shows them, so the apply run confirms the running VM's size and
// cold-restarts it when needed; an HA-managed VM's shutdown task ends before the VM stopped; memory
// below balloon is refused unless the balloon comes down with it.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, describe, expect, it } from "vitest";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { getVmConfig, getVmStatus, setVmConfig } from "@/lib/proxmox/api";
import { confirmResized, setCoresAndMemory, shutdownForResize, startAfterResize, type ResizeTarget } from "@/lib/resize/apply-resize";
import { createPaidOrder, proxmox, retireProvisioningFixtures } from "@/test/fixtures/provisioning";

afterAll(retireProvisioningFixtures);

async function runningVm(): Promise<{ target: (size: { vcpus: number; ramGb: number }) => Promise<ResizeTarget>; vmid: number }> {
  const { order, user } = await createPaidOrder();
  const { error } = await new InngestTestEngine({
    function: provisionVmFunction,
    events: [{ name: "order/paid", data: { orderId: order.id, attempt: 1 } }],
  }).execute();
  expect(error).toBeUndefined();
  const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
  const target = async (size: { vcpus: number; ramGb: number }): Promise<ResizeTarget> => {
    const request = await db.resizeRequest.create({
      data: {
        vmId: vm.id,
        userId: user.id,
        stripeSubscriptionId: `sub_${vm.id}`,
        status: "applying",
        fromVcpus: vm.vcpus,
        fromRamGb: vm.ramGb,
        fromDiskGb: vm.diskGb,
        vcpus: size.vcpus,
        ramGb: size.ramGb,
        diskGb: vm.diskGb,
        prorationDate: 0,
        amountDueMinor: 0,
        newMonthlyMinor: 0,
        currency: "usd",
        targetItems: {},
      },
    });
    return { resizeRequestId: request.id, vmId: vm.id, node: "pve1", vmid: vm.vmid!, vcpus: size.vcpus, ramGb: size.ramGb, diskGb: vm.diskGb };
  };
  return { target, vmid: vm.vmid! };
}

describe("resize on a running VM", () => {
  it("issue 20: cores and memory written while it runs stay pending; the run sees it (status/current, GET pending) and cold-restarts it to the new size", async () => {
    const { target, vmid } = await runningVm();
    const t = await target({ vcpus: 2, ramGb: 2 });
    expect(await setCoresAndMemory(t)).toEqual({ changed: true });
    // GET config already says 2 / 2048: it cannot tell what the running VM has
    expect(await getVmConfig("pve1", vmid)).toMatchObject({ cores: 2, memory: 2048 });
    expect(await getVmStatus("pve1", vmid)).toMatchObject({ status: "running", cpus: 1, maxmem: 1024 * 1024 ** 2 });
    const mark = await proxmox.mark();
    expect(await confirmResized(t)).toEqual({ restarted: true });
    const calls = (await proxmox.requests(mark)).filter((r) => r.method === "POST").map((r) => r.path.split("/").pop());
    expect(calls).toEqual(["stop", "start"]); // a cold restart, not a reboot
    expect(await getVmStatus("pve1", vmid)).toMatchObject({ status: "running", cpus: 2, maxmem: 2 * 1024 ** 3 });
    // already the size: nothing more to do
    expect(await confirmResized(t)).toEqual({ restarted: false });
  });

  it("issue 20: an HA-managed VM's shutdown (hastop) ends at once; the run waits until the VM is stopped, and after the start until it runs", async () => {
    const { target, vmid } = await runningVm();
    await proxmox.setHa(vmid, true);
    const t = await target({ vcpus: 2, ramGb: 1 });
    await shutdownForResize(t);
    expect((await getVmStatus("pve1", vmid)).status).toBe("stopped");
    await setCoresAndMemory(t);
    await startAfterResize(t, true);
    expect(await getVmStatus("pve1", vmid)).toMatchObject({ status: "running", cpus: 2 });
    expect(await confirmResized(t)).toEqual({ restarted: false });
  });

  it("issue 20: memory below balloon is refused by Proxmox; the resize brings the balloon down with the memory", async () => {
    const { target, vmid } = await runningVm();
    const t = await target({ vcpus: 1, ramGb: 1 });
    await shutdownForResize(t);
    await setVmConfig("pve1", vmid, { memory: 4096, balloon: 3072 });
    await expect(setVmConfig("pve1", vmid, { memory: 1024 })).rejects.toThrow("balloon value too large (must be smaller than assigned memory)");
    expect(await setCoresAndMemory(t)).toEqual({ changed: true });
    expect(await getVmConfig("pve1", vmid)).toMatchObject({ memory: 1024, balloon: 1024 });
  });
});
