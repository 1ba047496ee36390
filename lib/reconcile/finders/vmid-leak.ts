// A VMID still reserved for an order that is over (expired, refunded, or failed with its cleanup
// done) while nothing in Proxmox uses it: the pool shrinks by one for nothing. Releasing it is safe.
import { db } from "@/lib/db";
import { listClusterVms } from "@/lib/proxmox/api";
import { byVmid, type Finder } from "@/lib/reconcile/world";

const over = (r: { orderStatus: string; cleanupStatus: string | null }) =>
  r.orderStatus === "expired" || r.orderStatus === "refunded" || (r.orderStatus === "failed" && r.cleanupStatus === "done");

export const vmidLeak: Finder = {
  kind: "vmid_leak",
  action: { label: "Release the VMID", destructive: false },
  find(world) {
    const guests = byVmid(world);
    return world.reservations
      .filter((r) => over(r) && !guests.has(r.vmid) && (r.vmRowStatus === null || r.vmRowStatus === "destroyed" || r.vmRowStatus === "failed"))
      .map((r) => ({
        subject: `${r.vmid}`,
        summary: `VMID ${r.vmid} is still reserved for order ${r.orderId} (${r.orderStatus})`,
        evidence: { vmid: r.vmid, orderId: r.orderId, orderStatus: r.orderStatus },
      }));
  },
  async apply(finding) {
    const { vmid, orderId } = finding.evidence as { vmid: number; orderId: string };
    if ((await listClusterVms()).some((g) => g.vmid === vmid)) return `VMID ${vmid} is in use in Proxmox: kept`;
    const { count } = await db.vmidReservation.deleteMany({
      where: { vmid, orderId, order: { OR: [{ status: { in: ["expired", "refunded"] } }, { status: "failed", cleanupStatus: "done" }] } },
    });
    return count ? `released VMID ${vmid}` : "the reservation changed since: left as it is";
  },
};
