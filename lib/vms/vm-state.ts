// The VM state machine (our record of the machine; Proxmox is re-read before acting on it).
import type { Prisma, VmStatus } from "@/lib/generated/prisma/client";
import { closeConsoles } from "@/lib/console/open-consoles";
import { db } from "@/lib/db";
import { defineStateMachine } from "@/lib/state/state-machine";

// A VM may "move" to its own state: syncing our record with what Proxmox reports is a no-op then.
const vmMachine = defineStateMachine<VmStatus>(
  "vm",
  {
    // → stopped: a rebuild that failed before it wiped anything leaves the VM as it was.
    provisioning: ["running", "stopped", "failed", "destroyed"],
    // → provisioning: a rebuild (lib/vm-operations/rebuild-steps.ts) reinstalls it in place.
    running: ["stopped", "destroyed", "provisioning"],
    stopped: ["running", "destroyed", "provisioning"],
    failed: ["provisioning", "destroyed"],
    destroyed: [],
  },
  { stay: true },
);

export const canTransitionVm = vmMachine.can;

/** Conditional update: false when the VM was not in `from` any more. */
export async function transitionVm(
  vmId: string,
  from: VmStatus | VmStatus[],
  to: VmStatus,
  data: Omit<Prisma.VmUpdateManyMutationInput, "status"> = {},
): Promise<boolean> {
  const sources = vmMachine.sources(from, to);
  const { count } = await db.vm.updateMany({ where: { id: vmId, status: { in: sources } }, data: { ...data, status: to } });
  // A VM that is no longer running has no console: close any open one now (DESIGN §3 Console).
  if (count === 1 && to !== "running") await closeConsoles({ vmId }, "vm_stopped");
  return count === 1;
}
