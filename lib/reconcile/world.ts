// What a reconciliation compares (issue 22, Build 2): one snapshot of our records and of what
// Proxmox, Cloudflare and Stripe say, read once per run. Finders (./finders) are pure functions of
// this snapshot. Requests grow with Proxmox nodes and with list pages, never with VMs: Proxmox is
// one `cluster/resources` (every node of the cluster), Cloudflare and Stripe are paged lists.
import type { ClusterVm } from "@/lib/proxmox/api";

export type RecordedVm = {
  id: string;
  orderId: string;
  userId: string;
  name: string;
  vmid: number | null;
  nodeName: string | null;
  status: string;
  tunnelId: string | null;
  sshDnsRecordId: string | null;
  webDnsRecordId: string | null;
  billingState: string | null;
  stripeSubscriptionId: string | null;
};

export type World = {
  /** Our records. */
  vms: RecordedVm[];
  /** Orders still being built or paid for (a subscription may run ahead of its VM). */
  ordersInFlight: Array<{ id: string; stripeSubscriptionId: string | null }>;
  reservations: Array<{ vmid: number; orderId: string; orderStatus: string; cleanupStatus: string | null; vmRowStatus: string | null }>;
  enabledNodes: string[];
  vmidRange: { min: number; max: number };
  templateVmids: number[];
  baseDomain: string;
  /** What the services say. */
  proxmox: ClusterVm[];
  tunnels: Array<{ id: string; name: string }>;
  dnsRecords: Array<{ id: string; name: string; type: string; content: string }>;
  subscriptions: Array<{ id: string; status: string; customer: string; orderId: string | null }>;
};

/** One thing a finder noticed: about `subject`, with the evidence that shows it. */
export type FindingDraft = { subject: string; summary: string; evidence: Record<string, unknown> };

export type StoredFinding = { id: string; kind: string; subject: string; evidence: unknown };

/**
 * One kind of drift: how to see it in a World, and the one action it proposes. Adding a kind (a
 * Cloudflare Access application, an SDN VNet…) is one file in ./finders and one line in its index.
 * `apply` runs in the `reconcile-apply` Inngest function (I2), re-reads before acting, and says
 * what it did; a `destructive` action needs the operator's second confirmation and never runs
 * automatically.
 */
export interface Finder {
  kind: string;
  action: { label: string; destructive: boolean };
  find(world: World): FindingDraft[];
  apply(finding: StoredFinding, actor: { adminId: string }): Promise<string>;
}

/** Proxmox's guests by VMID (one VMID is one guest cluster-wide). */
export const byVmid = (world: World) => new Map(world.proxmox.map((g) => [g.vmid, g]));
/** VM rows that should exist in Proxmox. */
export const LIVE_VM_STATUSES = ["running", "stopped"];
// Billing keeps these VMs stopped; "ended" is a VM whose customer cancelled it (issue 16), stopped at
// its period end and kept for the retention window.
export const RETAINED_BILLING_STATES = ["suspended", "retained", "pending_deletion", "ended"];
