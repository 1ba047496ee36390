// Issue 18: a VM whose cleanup is done gives back every Proxmox work-slot lease held for it, whatever
// operation took it (provisioning, billing, resize, power), and no other VM's.
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { powerSlotHolder } from "@/lib/power/run-power";
import { acquireProxmoxSlot, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { resizeSlotHolder } from "@/lib/resize/apply-resize";
import { operationHolder } from "@/lib/vm-operations/snapshot-steps";
import { createPaidOrder, retireProvisioningFixtures } from "@/test/fixtures/provisioning";
import { finishCleanup } from "./compensate";

afterAll(retireProvisioningFixtures);

/** A failed order whose cleanup is under way, with its VM row and one power and one resize request. */
async function failedVm() {
  const { order, user, plan } = await createPaidOrder();
  await db.order.update({ where: { id: order.id }, data: { status: "failed", provisionAttempts: 1, cleanupStatus: "in_progress" } });
  const vm = await db.vm.create({
    data: {
      userId: user.id,
      orderId: order.id,
      planId: plan.id,
      name: order.hostname,
      status: "failed",
      labType: plan.labType,
      vcpus: 1,
      ramGb: 1,
      diskGb: 40,
    },
  });
  const power = await db.powerRequest.create({ data: { vmId: vm.id, userId: user.id, action: "start" } });
  const resize = await db.resizeRequest.create({
    data: {
      vmId: vm.id,
      userId: user.id,
      stripeSubscriptionId: `sub_${vm.id}`,
      fromVcpus: 1,
      fromRamGb: 1,
      fromDiskGb: 40,
      vcpus: 2,
      ramGb: 2,
      diskGb: 40,
      prorationDate: 0,
      amountDueMinor: 0,
      newMonthlyMinor: 0,
      currency: "usd",
      targetItems: [],
    },
  });
  return { orderId: order.id, vmId: vm.id, powerRequestId: power.id, resizeRequestId: resize.id };
}

const heldBy = (holders: string[]) =>
  db.proxmoxLease.findMany({ where: { holder: { in: holders } }, select: { holder: true } }).then((r) => r.map((l) => l.holder).sort());

const holdersOf = (vm: Awaited<ReturnType<typeof failedVm>>) => [
  vmSlotHolder(vm.vmId, "clone"),
  vmSlotHolder(vm.vmId, "billing-stop"),
  resizeSlotHolder(vm.vmId, vm.resizeRequestId, "shutdown"),
  powerSlotHolder(vm.vmId, vm.powerRequestId),
  operationHolder(vm.vmId, "op1", "snapshot"),
];

describe("releasing a VM's work slots", () => {
  // Before issue 18 resize and power leases were named `resize:<rid>:<step>` and `power:<rid>`:
  // this test, with those names, failed (the cleanup freed only the `vm:<id>:` ones).
  it("I8: a finished cleanup frees the VM's resize, power and operation leases, not only its provisioning ones, and no other VM's", async () => {
    const vm = await failedVm();
    const other = await failedVm();
    const mine = holdersOf(vm);
    const theirs = holdersOf(other).slice(2); // the kinds that were not freed (8 leases in all: within the default 10 slots)
    for (const holder of [...mine, ...theirs]) await acquireProxmoxSlot(holder);

    await finishCleanup({ orderId: vm.orderId, attempt: 1, error: "test" }, []);

    expect(await heldBy(mine)).toEqual([]);
    expect(await heldBy(theirs)).toEqual([...theirs].sort());
    await db.proxmoxLease.deleteMany({ where: { holder: { in: theirs } } });
  });
});
