import { afterEach, describe, expect, it } from "vitest";
import { findNodeWithRoom, planAvailability } from "./find-node-with-room";
import { createTestNode, createTestOrder, createTestPlan, createTestUser, removeTestOrders, retireTestNodes } from "@/test/fixtures/capacity";

// Sizes far beyond any real node: other files' nodes cannot hold these plans, and the little
// demand other files may leave in flight cannot tip these results.
const NODE = { vcpus: 100_000, ramGb: 100_000, diskGb: 100_000 };
const BIG = { vcpus: 60_000, ramGb: 60_000, diskGb: 60_000 };

const nodeIds: string[] = [];
const userIds: string[] = [];
async function node(shape: Parameters<typeof createTestNode>[0]) {
  const created = await createTestNode(shape);
  nodeIds.push(created.id);
  return created;
}
async function user() {
  const created = await createTestUser("capacity");
  userIds.push(created.id);
  return created;
}

afterEach(async () => {
  for (const userId of userIds.splice(0)) await removeTestOrders({ userId });
  await retireTestNodes(nodeIds.splice(0));
});

describe("findNodeWithRoom", () => {
  it("picks the least-loaded enabled node holding the plan's template", async () => {
    const plan = await createTestPlan({ vcpus: 20_000, ramGb: 20_000, diskGb: 20_000 });
    const owner = await user();
    const busy = await node(NODE);
    const idle = await node(NODE);
    await node({ ...NODE, enabled: false });
    await node({ ...NODE, labTypes: ["eve"] });
    await createTestOrder({ userId: owner.id, plan: { ...plan, ...BIG }, status: "provisioned", vm: { nodeName: busy.name, status: "running" } });
    expect(await findNodeWithRoom(plan)).toEqual({ id: idle.id, name: idle.name });
  });

  it("counts live VMs, paid and provisioning orders and open checkouts; not dead VMs or stale checkouts", async () => {
    const plan = await createTestPlan(BIG);
    const owner = await user();
    const target = await node(NODE);
    const scene = (shape: Omit<Parameters<typeof createTestOrder>[0], "userId" | "plan">) => createTestOrder({ userId: owner.id, plan, ...shape });
    const fits = async () => (await findNodeWithRoom(plan))?.id === target.id;

    expect(await fits()).toBe(true);
    await scene({ status: "failed", vm: { nodeName: target.name, status: "failed" } });
    await scene({ status: "provisioned", vm: { nodeName: target.name, status: "destroyed" } });
    await scene({ status: "expired" });
    await scene({ status: "awaiting_payment", createdAt: new Date(Date.now() - 40 * 60_000) }); // older than any open session
    expect(await fits()).toBe(true);

    for (const inFlight of [
      { status: "paid" as const },
      { status: "awaiting_payment" as const },
      { status: "provisioning" as const, vm: { nodeName: null, status: "provisioning" as const } },
      { status: "provisioned" as const, vm: { nodeName: target.name, status: "stopped" as const } },
    ]) {
      const order = await scene(inFlight);
      expect(await fits(), `a ${inFlight.status} order holds the room`).toBe(false);
      // Provisioning places its own order: until its VM has a node, it must not count itself.
      const placed = inFlight.status === "provisioned";
      expect((await findNodeWithRoom(plan, { excludeOrderId: order.id }))?.id).toBe(placed ? undefined : target.id);
      await removeTestOrders({ userId: owner.id });
    }
  });

  it("applies overcommit: 100 000 vCPU × 1.5 holds two plans of 60 000", async () => {
    const plan = await createTestPlan({ vcpus: 60_000, ramGb: 1, diskGb: 1 });
    const owner = await user();
    const target = await node({ ...NODE, overcommit: { cpu: 1.5 } });
    await createTestOrder({ userId: owner.id, plan, status: "paid" });
    expect((await findNodeWithRoom(plan))?.id).toBe(target.id);
    await createTestOrder({ userId: owner.id, plan, status: "paid" });
    expect(await findNodeWithRoom(plan)).toBeNull();
  });
});

describe("planAvailability", () => {
  it("marks a plan no enabled node can hold as sold out, the others available", async () => {
    await node(NODE);
    const fits = await createTestPlan(BIG);
    const tooBig = await createTestPlan({ vcpus: 10_000_000, ramGb: 10_000_000, diskGb: 10_000_000 });
    expect(await planAvailability([fits, tooBig])).toEqual({ [fits.id]: true, [tooBig.id]: false });
    expect(await planAvailability([])).toEqual({});
  });
});
