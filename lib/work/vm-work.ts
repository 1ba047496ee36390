// Work in progress on a VM, as the pages follow it without a reload (components/ui/use-follow.ts
// polls /api/vms/[id]/status while anything here is active, and stops when nothing is). Each kind
// of work is one source below: the latest record of that kind, in customer words (I4: our own
// records only — never Proxmox, I2 — and never an operator's error text). Snapshots, backups and
// rebuild add their source here with one line.
import { db } from "@/lib/db";
import { loadVmStatus, type VmStatusView } from "@/lib/vms/vm-view";
import { isActivePowerStatus, powerStatusMessage } from "@/lib/power/power-rules";
import { resizeStatusLabel } from "@/lib/resize/resize-view";
import type { ResizeStatus } from "@/lib/generated/prisma/client";

export type WorkItem = {
  kind: string;
  id: string;
  /** The record's own status (pending, applying, done, …). */
  state: string;
  /** Still moving by itself (or waiting on Stripe): worth following. */
  active: boolean;
  label: string;
  finishedAt: string | null;
};

export type VmWork = VmStatusView & {
  work: WorkItem[];
  active: boolean;
  /** Changes whenever anything the VM's pages show about its work changes. */
  version: string;
};

type WorkSource = (vmId: string) => Promise<WorkItem | null>;

const latestPower: WorkSource = async (vmId) => {
  const row = await db.powerRequest.findFirst({
    where: { vmId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, action: true, status: true, finishedAt: true },
  });
  return (
    row && {
      kind: "power",
      id: row.id,
      state: row.status,
      active: isActivePowerStatus(row.status),
      label: powerStatusMessage(row.action, row.status),
      finishedAt: row.finishedAt?.toISOString() ?? null,
    }
  );
};

// Waiting for Stripe counts: a payment finished in another tab (3-D Secure, the hosted invoice)
// moves the page on by itself.
const FOLLOWED_RESIZE: readonly ResizeStatus[] = ["awaiting_payment", "paid", "applying"];

const latestResize: WorkSource = async (vmId) => {
  const row = await db.resizeRequest.findFirst({
    where: { vmId, status: { not: "quoted" } },
    orderBy: { createdAt: "desc" },
    select: { id: true, status: true, progressStep: true, updatedAt: true },
  });
  if (!row) return null;
  const active = FOLLOWED_RESIZE.includes(row.status);
  return {
    kind: "resize",
    // The apply run's step counts as a change of state: the resize page shows it.
    id: row.id,
    state: row.status === "applying" && row.progressStep ? `applying:${row.progressStep}` : row.status,
    active,
    label: resizeStatusLabel[row.status],
    finishedAt: active ? null : row.updatedAt.toISOString(),
  };
};

/** One line per kind of work. */
const SOURCES: readonly WorkSource[] = [latestPower, latestResize];

/** The VM's power state and every kind of work's latest record; null when not the user's VM (404, I5). */
export async function loadVmWork(userId: string, vmId: string): Promise<VmWork | null> {
  const status = await loadVmStatus(userId, vmId);
  if (!status) return null;
  const work = (await Promise.all(SOURCES.map((source) => source(vmId)))).filter((w): w is WorkItem => w !== null);
  return {
    ...status,
    work,
    active: work.some((w) => w.active),
    version: [status.status, ...work.map((w) => `${w.kind}:${w.id}:${w.state}`)].join("|"),
  };
}
