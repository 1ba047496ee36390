// The VM state machine (our record of the machine; Proxmox is re-read before acting on it).
import type { Prisma, VmStatus } from "@/lib/generated/prisma/client";
import { closeConsoles } from "@/lib/console/open-consoles";
import { db } from "@/lib/db";

const allowed: Record<VmStatus, readonly VmStatus[]> = {
  provisioning: ["running", "failed", "destroyed"],
  running: ["stopped", "destroyed"],
  stopped: ["running", "destroyed"],
  failed: ["provisioning", "destroyed"],
  destroyed: [],
};

export function canTransitionVm(from: VmStatus, to: VmStatus): boolean {
  return from === to || allowed[from].includes(to);
}

export class VmTransitionError extends Error {
  constructor(readonly from: VmStatus, readonly to: VmStatus) {
    super(`vm cannot go from ${from} to ${to}`);
  }
}

/** Conditional update: false when the VM was not in `from` any more. */
export async function transitionVm(
  vmId: string,
  from: VmStatus | VmStatus[],
  to: VmStatus,
  data: Omit<Prisma.VmUpdateManyMutationInput, "status"> = {},
): Promise<boolean> {
  const sources = Array.isArray(from) ? from : [from];
  for (const source of sources) if (!canTransitionVm(source, to)) throw new VmTransitionError(source, to);
  const { count } = await db.vm.updateMany({ where: { id: vmId, status: { in: sources } }, data: { ...data, status: to } });
  // A VM that is no longer running has no console: close any open one now (DESIGN §3 Console).
  if (count === 1 && to !== "running") closeConsoles({ vmId }, "vm_stopped");
  return count === 1;
}
