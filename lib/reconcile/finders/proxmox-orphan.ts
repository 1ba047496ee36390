// A guest in our VMID range, or named as we name clones, that no VM row and no reservation
// accounts for: a clone left behind (a lost database write, a run killed mid-way) or one created
// by hand. Destroying it is destructive: second confirmation, never automatic.
import { ensurePower } from "@/lib/proxmox/machine";
import { db } from "@/lib/db";
import { deleteVm, getVmConfig, getVmStatus, listClusterVms } from "@/lib/proxmox/api";
import { runLeasedTaskToEnd } from "@/lib/proxmox/work-slots";
import type { Finder } from "@/lib/reconcile/world";

export const proxmoxOrphan: Finder = {
  kind: "proxmox_orphan",
  action: { label: "Destroy the guest", destructive: true },
  find(world) {
    const accounted = new Set([...world.vms.map((v) => v.vmid), ...world.reservations.map((r) => r.vmid), ...world.templateVmids]);
    return world.proxmox
      .filter((g) => g.type === "qemu" && !accounted.has(g.vmid))
      .filter((g) => (g.vmid >= world.vmidRange.min && g.vmid <= world.vmidRange.max) || /^labvps-vm-/.test(g.name ?? ""))
      .map((g) => ({
        subject: `${g.vmid}`,
        summary: `Guest ${g.vmid} (${g.name ?? "no name"}) on ${g.node} has no VM row`,
        evidence: { vmid: g.vmid, node: g.node, name: g.name ?? null, status: g.status },
      }));
  },
  async apply(finding) {
    const { vmid } = finding.evidence as { vmid: number };
    // Re-read: it may have been claimed (a row now) or gone since the run.
    if (await db.vm.count({ where: { vmid, status: { not: "destroyed" } } })) return `VMID ${vmid} now has a VM row: left alone`;
    const guest = (await listClusterVms()).find((g) => g.vmid === vmid);
    if (!guest) return `guest ${vmid} is already gone`;
    const config = await getVmConfig(guest.node, vmid);
    if (config.lock) throw new Error(`guest ${vmid} is locked (${config.lock}); try again later`);
    const holder = `reconcile:${finding.id}`;
    if ((await getVmStatus(guest.node, vmid)).status === "running") {
      await ensurePower({ node: guest.node, vmid }, "stopped", `${holder}:stop`, "hard stop");
    }
    await runLeasedTaskToEnd(`${holder}:destroy`, "destroy", async () =>
      (await listClusterVms()).some((g) => g.vmid === vmid) ? deleteVm(guest.node, vmid) : null,
    );
    return `destroyed guest ${vmid} on ${guest.node}`;
  },
};
