// The database side of capacity: reads nodes, placed VMs and in-flight orders, then lets the pure
// arithmetic in capacity-math.ts decide. Used by checkout (never sell what no node can hold), by the
// pricing page ("sold out") and by provisioning to choose where to clone.
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { CAPACITY_HOLD_MS } from "@/lib/billing/create-checkout-session";
import { availability, chooseNode, toPercent, type Demand, type NodeCapacity } from "@/lib/capacity/capacity-math";

type CapacityReader = Pick<typeof db, "proxmoxNode" | "vm" | "order">;
export type CapacityOptions = {
  /** Leave this order (and its VM) out of the in-flight demand: provisioning places it itself. */
  excludeOrderId?: string;
  client?: CapacityReader;
  now?: Date;
};

const LIVE_VM: Prisma.VmWhereInput = { status: { notIn: ["destroyed", "failed"] } };

async function loadCapacity({ excludeOrderId, client = db, now = new Date() }: CapacityOptions) {
  const notThisOrder = excludeOrderId ? { orderId: { not: excludeOrderId } } : {};
  const [nodes, placed, unplacedVms, orders] = await Promise.all([
    client.proxmoxNode.findMany({
      where: { enabled: true },
      orderBy: { name: "asc" },
      select: {
        id: true,
        name: true,
        cpuCapacity: true,
        ramCapacityGb: true,
        diskCapacityGb: true,
        cpuOvercommit: true,
        ramOvercommit: true,
        diskOvercommit: true,
        templates: { select: { labType: true } },
      },
    }),
    client.vm.groupBy({ by: ["nodeName"], where: { ...LIVE_VM, nodeName: { not: null } }, _sum: { vcpus: true, ramGb: true, diskGb: true } }),
    // A VM row exists from the start of provisioning; it has a node only once one is chosen.
    client.vm.findMany({
      where: { ...LIVE_VM, nodeName: null, ...notThisOrder },
      orderBy: { createdAt: "asc" },
      select: { vcpus: true, ramGb: true, diskGb: true, labType: true },
    }),
    client.order.findMany({
      where: {
        vm: { is: null },
        ...(excludeOrderId ? { id: { not: excludeOrderId } } : {}),
        OR: [
          { status: { in: ["paid", "provisioning"] } },
          // An open checkout holds its VM's room: two customers paying at once cannot both get the last slot.
          { status: "awaiting_payment", createdAt: { gt: new Date(now.getTime() - CAPACITY_HOLD_MS) } },
        ],
      },
      orderBy: { createdAt: "asc" },
      select: { plan: { select: { vcpus: true, ramGb: true, diskGb: true, labType: true } } },
    }),
  ]);
  const usedBy = new Map(placed.map((g) => [g.nodeName, g._sum]));
  const capacities: NodeCapacity[] = nodes.map((n) => {
    const used = usedBy.get(n.name);
    return {
      id: n.id,
      name: n.name,
      capacity: { vcpus: n.cpuCapacity, ramGb: n.ramCapacityGb, diskGb: n.diskCapacityGb },
      overcommitPercent: { vcpus: toPercent(n.cpuOvercommit), ramGb: toPercent(n.ramOvercommit), diskGb: toPercent(n.diskOvercommit) },
      labTypes: n.templates.map((t) => t.labType),
      committed: { vcpus: used?.vcpus ?? 0, ramGb: used?.ramGb ?? 0, diskGb: used?.diskGb ?? 0 },
    };
  });
  const pending: Demand[] = [...unplacedVms, ...orders.map((o) => o.plan)];
  return { nodes: capacities, pending };
}

/** The least-loaded enabled node that can take one more VM of `plan`, or null when sold out. */
export async function findNodeWithRoom(plan: Demand, options: CapacityOptions = {}): Promise<{ id: string; name: string } | null> {
  const { nodes, pending } = await loadCapacity(options);
  const node = chooseNode(nodes, pending, plan);
  return node && { id: node.id, name: node.name };
}

/** For the pricing page: plan id → true when a node can still take one more VM of it. */
export async function planAvailability(plans: readonly (Demand & { id: string })[], options: CapacityOptions = {}): Promise<Record<string, boolean>> {
  if (!plans.length) return {};
  const { nodes, pending } = await loadCapacity(options);
  const available = availability(nodes, pending, plans);
  return Object.fromEntries(plans.map((plan, i) => [plan.id, available[i]!]));
}
