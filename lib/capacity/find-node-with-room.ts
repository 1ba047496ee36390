// The database side of capacity: reads nodes, placed VMs and in-flight orders, then lets the pure
// arithmetic in capacity-math.ts decide. Used by checkout (never sell what no node can hold), by the
// pricing page ("sold out") and by provisioning to choose where to clone.
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { CAPACITY_HOLD_MS } from "@/lib/billing/create-checkout-session";
import {
  availability,
  chooseNode,
  effectiveCapacity,
  loadOf,
  placeDemand,
  toPercent,
  type Demand,
  type NodeCapacity,
  type Resources,
} from "@/lib/capacity/capacity-math";

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

/** Statuses of a resize whose extra resources the node must keep room for (lib/resize/resize-state.ts). */
const HOLDING_RESIZES = ["awaiting_payment", "paid", "applying", "failed"] as const;

/**
 * Whether the VM's own node can take `extra` more on top of what it holds, the in-flight demand
 * placed as provisioning would place it, and the extra resources of every open resize on it.
 * Resize never moves a VM: another node's room does not count.
 */
export async function nodeHasRoomFor(
  nodeName: string,
  extra: Resources,
  options: CapacityOptions & { client?: CapacityReader & Pick<typeof db, "resizeRequest">; excludeResizeId?: string } = {},
): Promise<boolean> {
  const client = options.client ?? db;
  const { nodes, pending } = await loadCapacity({ ...options, client });
  const node = nodes.find((n) => n.name === nodeName);
  if (!node) return false;
  const used = placeDemand(nodes, pending).get(node.id)!;
  const open = await client.resizeRequest.findMany({
    where: { status: { in: [...HOLDING_RESIZES] }, vm: { nodeName }, ...(options.excludeResizeId ? { id: { not: options.excludeResizeId } } : {}) },
    select: { vcpus: true, ramGb: true, diskGb: true, fromVcpus: true, fromRamGb: true, fromDiskGb: true },
  });
  for (const r of open) {
    used.vcpus += Math.max(0, r.vcpus - r.fromVcpus);
    used.ramGb += Math.max(0, r.ramGb - r.fromRamGb);
    used.diskGb += Math.max(0, r.diskGb - r.fromDiskGb);
  }
  const limit = effectiveCapacity(node);
  return used.vcpus + extra.vcpus <= limit.vcpus && used.ramGb + extra.ramGb <= limit.ramGb && used.diskGb + extra.diskGb <= limit.diskGb;
}

/** Each enabled node's sellable capacity and what its placed VMs use of it (the operator's figures). */
export async function nodeCapacityUsage(options: CapacityOptions = {}) {
  const { nodes } = await loadCapacity(options);
  return nodes.map((node) => ({ name: node.name, limit: effectiveCapacity(node), used: node.committed, load: loadOf(node, node.committed) }));
}
