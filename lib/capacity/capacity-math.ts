// Pure capacity arithmetic: which node can take one more VM. The database wrapper
// (find-node-with-room.ts) gathers the numbers; everything here is deterministic and unit-tested.
import type { LabType } from "@/lib/generated/prisma/enums";

export type Resources = { vcpus: number; ramGb: number; diskGb: number };
/** One VM's worth of resources, and the template it needs on the node. */
export type Demand = Resources & { labType: LabType };

export type NodeCapacity = {
  id: string;
  name: string;
  capacity: Resources;
  /** Overcommit ratios in hundredths (1.5 → 150): integer math keeps 16 × 1.5 exactly 24. */
  overcommitPercent: Resources;
  /** Lab types this node holds a template for: a VM can only be cloned where its template is. */
  labTypes: readonly LabType[];
  /** VMs already placed on this node (not destroyed or failed). */
  committed: Resources;
};

const KEYS = ["vcpus", "ramGb", "diskGb"] as const;
const zero: Resources = { vcpus: 0, ramGb: 0, diskGb: 0 };
const add = (a: Resources, b: Resources): Resources => ({ vcpus: a.vcpus + b.vcpus, ramGb: a.ramGb + b.ramGb, diskGb: a.diskGb + b.diskGb });

/** Decimal ratio (e.g. Prisma's Decimal 1.50) → integer hundredths. */
export function toPercent(ratio: number | string | { toString(): string }): number {
  return Math.round(Number(ratio.toString()) * 100);
}

/** What may be sold on a node: capacity × overcommit, rounded down to whole units. */
export function effectiveCapacity(node: Pick<NodeCapacity, "capacity" | "overcommitPercent">): Resources {
  const of = (k: (typeof KEYS)[number]) => Math.floor((node.capacity[k] * node.overcommitPercent[k]) / 100);
  return { vcpus: of("vcpus"), ramGb: of("ramGb"), diskGb: of("diskGb") };
}

function fits(node: NodeCapacity, used: Resources, need: Demand): boolean {
  if (!node.labTypes.includes(need.labType)) return false;
  const limit = effectiveCapacity(node);
  return KEYS.every((k) => used[k] + need[k] <= limit[k]);
}

/** The fullest dimension, 0..1: a node is as loaded as its scarcest resource. */
export function loadOf(node: NodeCapacity, used: Resources): number {
  const limit = effectiveCapacity(node);
  return Math.max(...KEYS.map((k) => (limit[k] === 0 ? (used[k] > 0 ? Infinity : 0) : used[k] / limit[k])));
}

function pick(nodes: readonly NodeCapacity[], used: Map<string, Resources>, need: Demand): NodeCapacity | null {
  let best: { node: NodeCapacity; load: number } | null = null;
  for (const node of nodes) {
    const current = used.get(node.id)!;
    if (!fits(node, current, need)) continue;
    const load = loadOf(node, current);
    if (!best || load < best.load || (load === best.load && node.name < best.node.name)) best = { node, load };
  }
  return best?.node ?? null;
}

/**
 * Places the in-flight demand (paid or checking-out orders without a VM yet, oldest first) the way
 * provisioning will — least-loaded node with room — and returns what each node then holds.
 * In-flight orders are not tied to a node until provisioning clones, so this is the honest way to
 * count them against one. Demand that fits nowhere is left out: provisioning will fail it anyway.
 */
export function placeDemand(nodes: readonly NodeCapacity[], pending: readonly Demand[]): Map<string, Resources> {
  const used = new Map(nodes.map((n) => [n.id, add(zero, n.committed)]));
  for (const demand of pending) {
    const node = pick(nodes, used, demand);
    if (node) used.set(node.id, add(used.get(node.id)!, demand));
  }
  return used;
}

/** The least-loaded node that still holds `need` after the in-flight demand, or null (sold out). */
export function chooseNode(nodes: readonly NodeCapacity[], pending: readonly Demand[], need: Demand): NodeCapacity | null {
  return pick(nodes, placeDemand(nodes, pending), need);
}

/** For each of `needs` independently: is there a node that holds one more of it? */
export function availability(nodes: readonly NodeCapacity[], pending: readonly Demand[], needs: readonly Demand[]): boolean[] {
  const used = placeDemand(nodes, pending);
  return needs.map((need) => pick(nodes, used, need) !== null);
}
