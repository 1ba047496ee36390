// Rows for integration tests of capacity, checkout and orders. The test database is shared by every
// *.db.test.ts file: names are unique, plans are sized far beyond any real node so other files'
// nodes cannot hold them, and nodes are disabled again after use so they cannot hold other files'
// plans either.
import { db } from "@/lib/db";
import type { LabType } from "@/lib/generated/prisma/enums";

export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export async function createTestUser(label = "buyer") {
  return db.user.create({ data: { name: label, email: `${label}.${unique()}@example.test`, passwordHash: "x" }, select: { id: true, email: true, name: true } });
}

type PlanShape = { vcpus: number; ramGb: number; diskGb: number; labType?: LabType; monthlyPriceMinor?: number; yearlyPriceMinor?: number | null; active?: boolean };

export async function createTestPlan(shape: PlanShape) {
  const slug = `t-${unique()}`;
  return db.plan.create({
    data: {
      slug, name: `Test plan ${slug}`, labType: shape.labType ?? "containerlab", vcpus: shape.vcpus, ramGb: shape.ramGb, diskGb: shape.diskGb,
      monthlyPriceMinor: shape.monthlyPriceMinor ?? 2500, yearlyPriceMinor: shape.yearlyPriceMinor === undefined ? 25000 : shape.yearlyPriceMinor,
      active: shape.active ?? true,
    },
  });
}

type NodeShape = { vcpus: number; ramGb: number; diskGb: number; labTypes?: LabType[]; overcommit?: { cpu?: number; ram?: number; disk?: number }; enabled?: boolean };

export async function createTestNode(shape: NodeShape) {
  const labTypes = shape.labTypes ?? ["eve", "containerlab"];
  return db.proxmoxNode.create({
    data: {
      name: `tnode-${unique()}`, enabled: shape.enabled ?? true,
      cpuCapacity: shape.vcpus, ramCapacityGb: shape.ramGb, diskCapacityGb: shape.diskGb,
      cpuOvercommit: shape.overcommit?.cpu ?? 1, ramOvercommit: shape.overcommit?.ram ?? 1, diskOvercommit: shape.overcommit?.disk ?? 1,
      templates: { create: labTypes.map((labType, i) => ({ labType, templateVmid: 9000 + i, name: `tpl-${labType}` })) },
    },
  });
}

/** Takes test nodes out of the pool so later tests (in any file) never place anything on them. */
export async function retireTestNodes(ids: string[]) {
  await db.proxmoxNode.updateMany({ where: { id: { in: ids } }, data: { enabled: false } });
}

type OrderShape = {
  userId: string;
  plan: { id: string; vcpus: number; ramGb: number; diskGb: number; labType: LabType; monthlyPriceMinor: number; currency: string };
  status: "awaiting_payment" | "paid" | "provisioning" | "provisioned" | "failed" | "expired";
  createdAt?: Date;
  vm?: { nodeName: string | null; status: "provisioning" | "running" | "stopped" | "failed" | "destroyed" };
};

/** An order in any state (written directly: fixtures set the scene, the code under test moves orders). */
export async function createTestOrder({ userId, plan, status, createdAt, vm }: OrderShape) {
  const order = await db.order.create({
    data: {
      userId, planId: plan.id, interval: "month", status, amountMinor: plan.monthlyPriceMinor, currency: plan.currency,
      hostname: `h-${unique()}`, sshPublicKeys: [], ...(createdAt ? { createdAt } : {}),
    },
  });
  if (vm) {
    await db.vm.create({
      data: {
        userId, orderId: order.id, planId: plan.id, name: order.hostname, nodeName: vm.nodeName, status: vm.status,
        labType: plan.labType, vcpus: plan.vcpus, ramGb: plan.ramGb, diskGb: plan.diskGb,
      },
    });
  }
  return order;
}

/** Removes test orders (and their VMs) so their demand does not linger for later tests. */
export async function removeTestOrders(where: { userId: string }) {
  await db.vm.deleteMany({ where });
  await db.order.deleteMany({ where });
}
