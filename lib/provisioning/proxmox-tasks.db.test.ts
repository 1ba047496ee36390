// Issue 8 (items 2–3), product side: Proxmox reports clone, resize and power lock errors as the
// task's exit status, not on the POST/PUT, so provisioning retries around the task.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { createPaidOrder, proxmox, retireProvisioningFixtures } from "@/test/fixtures/provisioning";

afterEach(() => proxmox.clearFaults());
afterAll(retireProvisioningFixtures);

// @inngest/test 1.0.0 cannot pass a step.sleep on its own (it finds the sleep again and again):
// the pauses this flow may take are mocked as done.
// A fresh list per run: the engine appends the steps it ran to the list it was given.
const sleeps = () =>
  ["pause before clone 2", "pause before clone check 2", "pause before clone check (clone 2) 2"].map((id) => ({ id, handler: () => undefined }));
const execute = (orderId: string) =>
  new InngestTestEngine({ function: provisionVmFunction, events: [{ name: "order/paid", data: { orderId, attempt: 1 } }], steps: sleeps() }).execute();
const configLockExit = (vmidPattern: string) => `can't lock file '/var/lock/qemu-server/lock-${vmidPattern}.conf' - got timeout`;

describe("lock errors inside Proxmox tasks (I8)", () => {
  it.each([
    { what: "a clone task", method: "POST", path: "/qemu/\\d+/clone$", expected: /\/qemu\/9\d{3}\/clone$/ },
    { what: "a disk resize task", method: "PUT", path: "/qemu/\\d+/resize$", expected: /\/resize$/ },
    { what: "a start task", method: "POST", path: "/qemu/\\d+/status/start$", expected: /\/status\/start$/ },
  ])("I8: $what that ends with 'can't lock file … got timeout' is started again, and the order is provisioned", async ({ method, path, expected }) => {
    const { order } = await createPaidOrder();
    await proxmox.fault({ method, path, kind: "failTask", message: configLockExit("1000"), times: 1 });
    const mark = await proxmox.mark();
    const { error } = await execute(order.id);
    expect(error).toBeUndefined();
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "provisioned" });
    const requests = (await proxmox.requests(mark)).filter((r) => r.method === method && expected.test(r.path));
    expect(requests.map((r) => r.status)).toEqual([200, 200]); // accepted twice: the failed task, then the one that worked
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    expect((await proxmox.vm(vm.vmid!))?.status).toBe("running");
  });

  it("I8: a clone task that fails for another reason still stops the order (no endless retry)", async () => {
    const { order } = await createPaidOrder();
    await proxmox.fault({ method: "POST", path: "/qemu/\\d+/clone$", kind: "failTask", message: "clone failed: no space left on device", times: 1 });
    const { error } = await execute(order.id);
    expect((error as Error).message).toMatch(/^wait for clone: clone task failed: clone failed: no space left/);
    expect((error as Error).name).toBe("NonRetriableError");
  });
});
