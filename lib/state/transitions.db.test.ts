// The writers every status column goes through (lib/state/state-machine.ts): a conditional update
// that one of any number of concurrent callers wins. These tests race real rows in PostgreSQL; the
// tables themselves are data, proven by the flows that use them.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { transitionOrder } from "@/lib/orders/order-state";
import { transitionPowerRequest } from "@/lib/power/power-request-state";
import { TransitionError } from "@/lib/state/state-machine";
import { transitionVm } from "@/lib/vms/vm-state";
import { createOrder, createPlan, createUser, createVmFixture } from "@/test/fixtures/vm";

const race = <T>(n: number, move: () => Promise<T>) => Promise.all(Array.from({ length: n }, move));
const wins = (results: boolean[]) => results.filter(Boolean).length;

describe("order transitions", () => {
  it("I3: eight concurrent confirmations of one payment move an order to paid once, with its data written once", async () => {
    const user = await createUser();
    const plan = await createPlan();
    const order = await createOrder({ userId: user.id, planId: plan.id, status: "awaiting_payment" });
    const results = await race(8, () => transitionOrder(order.id, "awaiting_payment", "paid", { paidAt: new Date() }));
    expect(wins(results)).toBe(1);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "paid" });
  });

  it("I1: a move the table does not allow is refused before any write (awaiting payment → provisioning)", async () => {
    const user = await createUser();
    const plan = await createPlan();
    const order = await createOrder({ userId: user.id, planId: plan.id, status: "awaiting_payment" });
    await expect(transitionOrder(order.id, "awaiting_payment", "provisioning")).rejects.toBeInstanceOf(TransitionError);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("awaiting_payment");
  });

  it("I3: a caller whose 'from' is stale changes nothing and is told so", async () => {
    const user = await createUser();
    const plan = await createPlan();
    const order = await createOrder({ userId: user.id, planId: plan.id, status: "provisioned" });
    expect(await transitionOrder(order.id, ["provisioning", "paid"], "failed", { failureReason: "late" })).toBe(false);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "provisioned", failureReason: null });
  });
});

describe("VM transitions", () => {
  it("I3: concurrent stops of one running VM are claimed once; a destroyed VM never comes back", async () => {
    const { vm } = await createVmFixture({ status: "running" });
    expect(wins(await race(6, () => transitionVm(vm.id, "running", "stopped")))).toBe(1);
    expect(await transitionVm(vm.id, "stopped", "destroyed")).toBe(true);
    await expect(transitionVm(vm.id, "destroyed", "running")).rejects.toBeInstanceOf(TransitionError);
    expect(await transitionVm(vm.id, ["running", "stopped"], "running")).toBe(false);
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).status).toBe("destroyed");
  });
});

describe("power request transitions", () => {
  it("I3: a power request is claimed by one run and closed once; a closed one never reopens", async () => {
    const { vm, userId } = await createVmFixture({ status: "running" });
    const request = await db.powerRequest.create({ data: { vmId: vm.id, userId, action: "reboot" } });
    expect(wins(await race(6, () => transitionPowerRequest(request.id, "pending", "running")))).toBe(1);
    expect(wins(await race(4, () => transitionPowerRequest(request.id, "running", "done", { finishedAt: new Date() })))).toBe(1);
    await expect(transitionPowerRequest(request.id, "done", "running")).rejects.toBeInstanceOf(TransitionError);
    // Done only after a run did the work: a pending request cannot skip to done.
    await expect(transitionPowerRequest(request.id, "pending", "done")).rejects.toBeInstanceOf(TransitionError);
    expect((await db.powerRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("done");
  });
});
