// Held means stopped (issue 25), as suspended means stopped for billing (I6): the billing ladder's
// tick lists the cluster once and stops again every VM under a standing hold that Proxmox reports
// running — started by hand on Proxmox, outside the product, or by a node reboot — with its
// consoles closed and `onboot` off, audited. Only holds the vm-hold function has enforced
// (`stoppedAt`): a hold still being enforced is that function's to stop, not a second path's.
import { recordAudit } from "@/lib/audit/record-audit";
import { closeConsoles } from "@/lib/console/open-consoles";
import { db } from "@/lib/db";
import { listClusterVms, setVmConfig } from "@/lib/proxmox/api";
import { ensurePower } from "@/lib/proxmox/machine";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { vmSlotHolder } from "@/lib/proxmox/work-slots";
import { transitionVm } from "@/lib/vms/vm-state";
import { isHoldStanding } from "@/lib/vm-holds/enforce-hold";

export type StoppedAgain = { holdId: string; vmId: string };

export async function stopHeldVmsFoundRunning(): Promise<StoppedAgain[]> {
  const holds = await db.vmHold.findMany({
    where: { liftedAt: null, stoppedAt: { not: null } },
    select: { id: true, vmId: true, kind: true },
    orderBy: { createdAt: "asc" },
  });
  if (holds.length === 0) return [];
  // One hold per VM is enough to stop it (the oldest, which the customer's page shows).
  const byVm = new Map<string, (typeof holds)[number]>();
  for (const hold of holds) if (!byVm.has(hold.vmId)) byVm.set(hold.vmId, hold);
  const vms = await db.vm.findMany({
    where: { id: { in: [...byVm.keys()] }, status: { in: ["running", "stopped"] }, vmid: { not: null }, nodeName: { not: null } },
    select: { id: true, vmid: true, nodeName: true },
  });
  if (vms.length === 0) return [];
  const running = new Set((await listClusterVms()).filter((g) => g.status === "running").map((g) => g.vmid));
  const stopped: StoppedAgain[] = [];
  for (const vm of vms) {
    const hold = byVm.get(vm.id)!;
    const [vmid, node] = [vm.vmid!, vm.nodeName!];
    // Re-read: a hold lifted since the listing leaves the VM to its owner.
    if (!running.has(vmid) || !(await isHoldStanding(hold.id))) continue;
    await recordAudit({ type: "system" }, "vm.held_vm_found_running", { type: "vm", id: vm.id }, { holdId: hold.id, kind: hold.kind, vmid });
    await closeConsoles({ vmId: vm.id }, "access_revoked");
    await withLockRetry(() => setVmConfig(node, vmid, { onboot: 0 }));
    await ensurePower({ node, vmid }, "stopped", vmSlotHolder(vm.id, "hold-stop"), "hard stop");
    await transitionVm(vm.id, ["running", "stopped"], "stopped");
    await recordAudit({ type: "system" }, "vm.held_vm_stopped_again", { type: "vm", id: vm.id }, { holdId: hold.id, kind: hold.kind });
    stopped.push({ holdId: hold.id, vmId: vm.id });
  }
  return stopped;
}
