// Step "reserve vmid": the lowest id in VM_ID_MIN..VM_ID_MAX that no reservation, no Vm row and no
// guest in the cluster (VMs and containers this database may not know) holds. The reservation's
// primary key is the arbiter between concurrent orders: the insert below either takes the id or
// conflicts and does nothing, and the loser simply tries again with a fresh view. The token sees
// in `cluster/resources` only the guests it may audit, so every candidate it does not see there
// is confirmed with `GET /cluster/nextid?vmid=` before it is used.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { isVmidFree, listClusterVms } from "@/lib/proxmox/api";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";

/** Claims one free id for the order (or returns the one it already holds). */
export async function claimVmid(orderId: string, min: number, max: number, takenInCluster: number[]): Promise<number> {
  for (;;) {
    // One statement, so "find the lowest free id" and "take it" cannot be split by another order:
    // a concurrent insert of the same id makes this one conflict (ON CONFLICT DO NOTHING).
    const inserted = await db.$queryRaw<{ vmid: number }[]>`
      INSERT INTO vmid_reservations (vmid, order_id)
      SELECT candidate, ${orderId} FROM generate_series(${min}::int, ${max}::int) AS candidate
      WHERE candidate <> ALL(${takenInCluster}::int[])
        AND NOT EXISTS (SELECT 1 FROM vmid_reservations r WHERE r.vmid = candidate)
        AND NOT EXISTS (SELECT 1 FROM vms v WHERE v.vmid = candidate)
      ORDER BY candidate
      LIMIT 1
      ON CONFLICT DO NOTHING
      RETURNING vmid`;
    if (inserted[0]) return Number(inserted[0].vmid);
    // Nothing inserted: this order already holds an id (a concurrent run of it), another order
    // took the same candidate a moment ago (try again), or the range is full.
    const mine = await db.vmidReservation.findUnique({ where: { orderId } });
    if (mine) return mine.vmid;
    const [{ free }] = await db.$queryRaw<{ free: bigint }[]>`
      SELECT count(*) AS free FROM generate_series(${min}::int, ${max}::int) AS candidate
      WHERE candidate <> ALL(${takenInCluster}::int[])
        AND NOT EXISTS (SELECT 1 FROM vmid_reservations r WHERE r.vmid = candidate)
        AND NOT EXISTS (SELECT 1 FROM vms v WHERE v.vmid = candidate)`;
    if (Number(free) === 0) throw new ProvisioningHaltedError(`no free VMID left in ${min}..${max}`);
  }
}

export async function reserveVmid(orderId: string): Promise<number> {
  const { VM_ID_MIN, VM_ID_MAX } = env();
  const visible = (await listClusterVms()).map((r) => Number(r.vmid)).filter((id) => id >= VM_ID_MIN && id <= VM_ID_MAX);
  const hidden: number[] = [];
  for (;;) {
    const held = await db.vmidReservation.findUnique({ where: { orderId } });
    const vmid = held?.vmid ?? (await claimVmid(orderId, VM_ID_MIN, VM_ID_MAX, [...visible, ...hidden]));
    // A visible guest at our id is for the clone step's ownership check; once we cloned, the id
    // is ours whatever nextid says. Otherwise a taken id is a guest hidden from this token.
    const cloned = await db.vm.findFirst({ where: { orderId, clonedAt: { not: null } }, select: { id: true } });
    if (!cloned && !visible.includes(vmid) && !(await isVmidFree(vmid))) {
      hidden.push(vmid);
      await db.vmidReservation.deleteMany({ where: { orderId, vmid } });
      continue;
    }
    await db.vm.updateMany({ where: { orderId, OR: [{ vmid: null }, { vmid: { not: vmid } }] }, data: { vmid } });
    return vmid;
  }
}
