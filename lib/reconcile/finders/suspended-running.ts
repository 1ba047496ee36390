// A VM whose billing state keeps it stopped (suspended, retained, pending deletion) that runs in
// Proxmox: started by hand or by a node reboot (I6: nothing starts a suspended VM). Stopping it is
// not destructive: the data stays.
import { ensurePower } from "@/lib/proxmox/machine";
import { db } from "@/lib/db";
import { listClusterVms } from "@/lib/proxmox/api";
import { vmSlotHolder } from "@/lib/proxmox/work-slots";
import { transitionVm } from "@/lib/vms/vm-state";
import { byVmid, RETAINED_BILLING_STATES, type Finder } from "@/lib/reconcile/world";

export const suspendedRunning: Finder = {
  kind: "suspended_running",
  action: { label: "Stop the VM", destructive: false },
  find(world) {
    const guests = byVmid(world);
    return world.vms.flatMap((v) => {
      const guest = v.vmid === null ? undefined : guests.get(v.vmid);
      if (!guest || guest.status !== "running" || !v.billingState || !RETAINED_BILLING_STATES.includes(v.billingState)) return [];
      return [
        {
          subject: v.id,
          summary: `VM ${v.name} (${v.vmid}) runs although its billing state is ${v.billingState}`,
          evidence: { vmId: v.id, vmid: v.vmid, node: guest.node, billingState: v.billingState, power: guest.status },
        },
      ];
    });
  },
  async apply(finding) {
    const { vmId, vmid } = finding.evidence as { vmId: string; vmid: number };
    const enforcement = await db.billingEnforcement.findFirst({
      where: { orderId: (await db.vm.findUniqueOrThrow({ where: { id: vmId } })).orderId },
      select: { state: true },
    });
    if (!enforcement || !RETAINED_BILLING_STATES.includes(enforcement.state)) return `billing state is now ${enforcement?.state ?? "none"}: left running`;
    const guest = (await listClusterVms()).find((g) => g.vmid === vmid);
    if (!guest) return `guest ${vmid} is not in Proxmox`;
    await ensurePower({ node: guest.node, vmid }, "stopped", vmSlotHolder(vmId, `reconcile:${finding.id}:stop`), "hard stop");
    await transitionVm(vmId, ["running", "stopped"], "stopped");
    return `stopped VM ${vmid} on ${guest.node}`;
  },
};
