// A VM row that says running or stopped whose guest Proxmox no longer has (deleted by hand):
// our record follows (destroyed), which also makes its subscription a finding of its own.
import { db } from "@/lib/db";
import { listClusterVms } from "@/lib/proxmox/api";
import { transitionVm } from "@/lib/vms/vm-state";
import { byVmid, LIVE_VM_STATUSES, type Finder } from "@/lib/reconcile/world";

export const vmGone: Finder = {
  kind: "vm_gone",
  action: { label: "Mark the VM destroyed", destructive: false },
  find(world) {
    const guests = byVmid(world);
    return world.vms
      .filter((v) => LIVE_VM_STATUSES.includes(v.status) && v.vmid !== null && !guests.has(v.vmid))
      .map((v) => ({
        subject: v.id,
        summary: `VM ${v.name} (${v.vmid}) is ${v.status} here but not in Proxmox`,
        evidence: { vmId: v.id, vmid: v.vmid, node: v.nodeName, recorded: v.status },
      }));
  },
  async apply(finding) {
    const { vmId, vmid } = finding.evidence as { vmId: string; vmid: number };
    if ((await listClusterVms()).some((g) => g.vmid === vmid)) return `guest ${vmid} is back in Proxmox: row left as it is`;
    const vm = await db.vm.findUnique({ where: { id: vmId }, select: { status: true } });
    if (!vm || vm.status === "destroyed") return "already destroyed";
    await transitionVm(vmId, ["running", "stopped"], "destroyed");
    return `VM ${vmId} marked destroyed`;
  },
};
