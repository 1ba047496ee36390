// The catalogue a fresh install starts with. Prices are in cents. Seeding upserts by slug/name, so
// editing a value here and re-running `npm run db:seed` updates it; it never deletes anything.
import type { LabType, ResourceKind } from "@/lib/generated/prisma/enums";

export type SeedPlan = {
  slug: string;
  name: string;
  description: string;
  labType: LabType;
  vcpus: number;
  ramGb: number;
  diskGb: number;
  monthlyPriceMinor: number;
  yearlyPriceMinor: number | null;
  sortOrder: number;
  /** Resize limits (totals). */
  maxVcpus?: number;
  maxRamGb?: number;
  maxDiskGb?: number;
  /** The lab (issue 20): snapshots kept, RAM in snapshots, backups kept. */
  snapshotLimit?: number;
  snapshotWithRam?: boolean;
  backupRetention?: number;
};

const basePlans: SeedPlan[] = [
  {
    slug: "clab-starter",
    name: "Containerlab Starter",
    labType: "containerlab",
    description: "Routing labs with a handful of cEOS, SR Linux or FRR nodes.",
    vcpus: 2,
    ramGb: 8,
    diskGb: 60,
    monthlyPriceMinor: 1900,
    yearlyPriceMinor: 19000,
    sortOrder: 10,
  },
  {
    slug: "clab-pro",
    name: "Containerlab Pro",
    labType: "containerlab",
    description: "Data-centre fabrics and multi-vendor topologies with dozens of containers.",
    vcpus: 8,
    ramGb: 32,
    diskGb: 160,
    monthlyPriceMinor: 5900,
    yearlyPriceMinor: 59000,
    sortOrder: 20,
  },
  {
    slug: "eve-starter",
    name: "EVE-NG Starter",
    labType: "eve",
    description: "CCNA/CCNP study labs: IOSv, vIOS-L2 and a few firewalls.",
    vcpus: 4,
    ramGb: 16,
    diskGb: 100,
    monthlyPriceMinor: 3900,
    yearlyPriceMinor: 39000,
    sortOrder: 30,
  },
  {
    slug: "eve-pro",
    name: "EVE-NG Pro",
    labType: "eve",
    description: "CCIE-scale topologies with NX-OSv, XRv and full-size vendor images.",
    vcpus: 12,
    ramGb: 64,
    diskGb: 250,
    monthlyPriceMinor: 11900,
    yearlyPriceMinor: 119000,
    sortOrder: 40,
  },
];

// A VM may grow to twice its plan's CPU and RAM and three times its disk. Starter plans keep 3
// disk-only snapshots and 3 backups; Pro plans 8 snapshots (with RAM) and 7 backups.
export const seedPlans: SeedPlan[] = basePlans.map((plan) => {
  const pro = plan.slug.endsWith("-pro");
  return {
    maxVcpus: plan.vcpus * 2,
    maxRamGb: plan.ramGb * 2,
    maxDiskGb: plan.diskGb * 3,
    snapshotLimit: pro ? 8 : 3,
    snapshotWithRam: pro,
    backupRetention: pro ? 7 : 3,
    ...plan,
  };
});

/** Extra resources sold per unit per month (cents): 1 vCPU, 1 GB RAM, a 10 GB step of disk. */
export const seedResourcePrices: { kind: ResourceKind; unitAmountMinor: number; stepGb: number }[] = [
  { kind: "vcpu", unitAmountMinor: 400, stepGb: 1 },
  { kind: "ram_gb", unitAmountMinor: 150, stepGb: 1 },
  { kind: "disk_gb", unitAmountMinor: 100, stepGb: 10 },
];

export const seedNode = {
  name: "pve1",
  cpuCapacity: 64,
  ramCapacityGb: 256,
  diskCapacityGb: 4000,
  cpuOvercommit: 2,
  ramOvercommit: 1,
  diskOvercommit: 1,
};

/**
 * The first node's SSH daemon and snippet storage, from PROXMOX_SSH_* / PROXMOX_SNIPPETS_* (the
 * single-host settings of earlier versions). Further nodes are entered in the admin area.
 */
export function seedNodeSsh(e: Record<string, string | undefined>) {
  if (!e.PROXMOX_SSH_HOST || !e.PROXMOX_SSH_HOST_FINGERPRINT) return undefined;
  return {
    sshHost: e.PROXMOX_SSH_HOST,
    sshPort: Number(e.PROXMOX_SSH_PORT ?? 22),
    sshHostFingerprint: e.PROXMOX_SSH_HOST_FINGERPRINT,
    snippetStorage: e.PROXMOX_SNIPPETS_STORAGE || "local",
    snippetDir: e.PROXMOX_SNIPPETS_DIR || "/var/lib/vz/snippets",
  };
}

export const seedTemplates: { labType: LabType; templateVmid: number; name: string }[] = [
  { labType: "eve", templateVmid: 9000, name: "tpl-eve-ng" },
  { labType: "containerlab", templateVmid: 9001, name: "tpl-containerlab" },
];
