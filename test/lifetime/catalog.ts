// The catalogue and room for the lifetime customers on the Proxmox stand-in's one node; the
// caller's teardown puts the node's capacity back.
import type { LifetimeWorld } from "./world";

export async function prepareLifetimeCatalog(world: LifetimeWorld): Promise<() => Promise<void>> {
  const { db, seedCatalog } = world.app;
  await seedCatalog(db);
  await db.proxmoxLease.deleteMany();
  const before = await db.proxmoxNode.findUniqueOrThrow({ where: { name: "pve1" } });
  await db.proxmoxNode.update({
    where: { name: "pve1" },
    data: { enabled: true, cpuCapacity: 1_000_000, ramCapacityGb: 1_000_000, diskCapacityGb: 100_000_000 },
  });
  return async () => {
    await db.proxmoxNode.update({
      where: { name: "pve1" },
      data: { enabled: before.enabled, cpuCapacity: before.cpuCapacity, ramCapacityGb: before.ramCapacityGb, diskCapacityGb: before.diskCapacityGb },
    });
  };
}
