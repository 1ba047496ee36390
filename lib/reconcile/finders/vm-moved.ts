// A guest migrated to another node outside the product: every Proxmox call goes to the VM's own
// node, so the row follows the guest (safe: nothing changes on Proxmox).
import { db } from "@/lib/db";
import { listClusterVms } from "@/lib/proxmox/api";
import { byVmid, type Finder } from "@/lib/reconcile/world";

export const vmMoved: Finder = {
  kind: "vm_moved",
  action: { label: "Follow it: record the new node", destructive: false },
  find(world) {
    const guests = byVmid(world);
    return world.vms.flatMap((v) => {
      const guest = v.vmid === null ? undefined : guests.get(v.vmid);
      if (!guest || !v.nodeName || guest.node === v.nodeName) return [];
      return [
        {
          subject: v.id,
          summary: `VM ${v.name} (${v.vmid}) is on ${guest.node}, recorded on ${v.nodeName}`,
          evidence: { vmId: v.id, vmid: v.vmid, recordedNode: v.nodeName, actualNode: guest.node },
        },
      ];
    });
  },
  async apply(finding) {
    const { vmId, vmid, recordedNode } = finding.evidence as { vmId: string; vmid: number; recordedNode: string };
    const guest = (await listClusterVms()).find((g) => g.vmid === vmid);
    if (!guest) return `guest ${vmid} is not in Proxmox any more`;
    const { count } = await db.vm.updateMany({ where: { id: vmId, vmid, nodeName: recordedNode }, data: { nodeName: guest.node } });
    return count ? `VM ${vmId} now recorded on ${guest.node}` : "the row changed since: left as it is";
  },
};
