// The README's permission advice, proven against the stand-in's token permission model: exactly
// `requiredAcl` provisions a VM end to end (powers it, opens its console, and uses the lab: readiness,
// snapshots, backups, restore, the node clock); each privilege removed on its own makes a call fail
// with Proxmox's 403 naming it, so none of them is spare.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createVncProxy, deleteVm, getNodeTime, getTaskStatus, getVmRrdData, getVmStatus, vmPower } from "@/lib/proxmox/api";
import { checkNestedVirt, waitForCloudInit, waitForGuestAgent } from "@/lib/provisioning/readiness";
import { loadOperationTarget } from "@/lib/vm-operations/run-operation";
import { removeSnapshot, rollBack, takeSnapshot } from "@/lib/vm-operations/snapshot-steps";
import { recordBackup, removeAllBackups, runBackup, runRestore, stopForRestore } from "@/lib/vm-operations/backup-steps";
import { requiredAcl } from "@/lib/proxmox/required-privileges";
import { chooseNode } from "@/lib/provisioning/choose-node";
import { cloneTemplate, waitForClone } from "@/lib/provisioning/clone-template";
import { configureVm, growDisk } from "@/lib/provisioning/configure-vm";
import { createTunnelAndDns } from "@/lib/provisioning/create-tunnel-and-dns";
import { protectHostnames } from "@/lib/provisioning/protect-hostnames";
import { reserveVmid } from "@/lib/provisioning/reserve-vmid";
import { startProvisioning } from "@/lib/provisioning/start-provisioning";
import { markReady, startVm } from "@/lib/provisioning/start-vm";
import { removeTunnelAndDns } from "@/lib/provisioning/cleanup-actions";
import { writeCloudInit } from "@/lib/provisioning/write-cloud-init";
import { prepareNetwork } from "@/lib/network/allocate-network";
import { attachNetwork } from "@/lib/network/attach-nic";
import { buildNetwork, checkFirewall, configureFirewall } from "@/lib/network/provision-steps";
import { createPaidOrder, proxmox, retireProvisioningFixtures } from "@/test/fixtures/provisioning";

// SDN mode (the seeded settings): the customer's VNet in zone `labvps`; `local` holds the backups (issue 20).
// `npm run test:pve8` runs this file against the stand-in as PVE 8, whose guest-agent privileges differ.
const pveVersion = process.env.PROXMOX_SIM_PVE_VERSION === "8" ? 8 : 9;
const acl = requiredAcl({ storages: ["local-lvm", "local"], bridges: ["vmbr0"], zone: "labvps", pveVersion });
const created: number[] = [];
const orders: string[] = [];

async function taskDone(node: string, upid: string) {
  for (;;) {
    const task = await getTaskStatus(node, upid);
    if (task.status === "stopped") return task;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the product does to a VM in its life here, through the same domain functions. */
async function provisionAndUse() {
  const { order } = await createPaidOrder();
  orders.push(order.id);
  await startProvisioning(order.id, 1);
  const vmid = await reserveVmid(order.id);
  created.push(vmid);
  await chooseNode(order.id);
  const { upid } = await cloneTemplate(order.id);
  while (!(await waitForClone(order.id, upid, 10_000)).done);
  await configureVm(order.id);
  await growDisk(order.id);
  await prepareNetwork(order.id);
  await buildNetwork(order.id);
  await attachNetwork(order.id);
  await configureFirewall(order.id);
  await protectHostnames(order.id);
  await createTunnelAndDns(order.id);
  await writeCloudInit(order.id);
  await startVm(order.id);
  await checkFirewall(order.id);
  // Ready means reachable: the guest agent (info, file-read) answers (issue 20).
  await waitForGuestAgent(order.id, 5_000);
  await waitForCloudInit(order.id, 5_000);
  await checkNestedVirt(order.id);
  await markReady(order.id);
  await createVncProxy("pve1", vmid);
  await getVmRrdData("pve1", vmid, "hour");
  await exerciseTheLab(order.id);
  const stop = await taskDone("pve1", await vmPower("pve1", vmid, "stop"));
  if (stop.exitstatus !== "OK") throw new Error(`stop failed: ${stop.exitstatus}`);
  return vmid;
}

/** Snapshot, roll back, delete; back up, list, restore, remove; the node's clock: the lab's calls (issue 20). */
async function exerciseTheLab(orderId: string) {
  const vm = await db.vm.findFirstOrThrow({ where: { orderId } });
  const snapshot = await db.vmSnapshot.create({ data: { vmId: vm.id, name: `lab_${vm.id.slice(-12)}`, label: "privileges" } });
  const backup = await db.vmBackup.create({ data: { vmId: vm.id } });
  const target = async (kind: "snapshot_create" | "snapshot_rollback" | "snapshot_delete" | "backup_create" | "backup_restore") =>
    loadOperationTarget(
      (await db.vmOperation.create({ data: { vmId: vm.id, userId: vm.userId, kind, status: "running", snapshotId: snapshot.id, backupId: backup.id } })).id,
    );
  await takeSnapshot(await target("snapshot_create"));
  await rollBack(await target("snapshot_rollback"));
  await removeSnapshot(await target("snapshot_delete"));
  const backingUp = await target("backup_create");
  while ((await runBackup(backingUp, 10_000)) !== "done");
  await recordBackup(backingUp);
  const restoring = await target("backup_restore");
  await stopForRestore(restoring);
  while ((await runRestore(restoring, 10_000)) !== "done");
  await removeAllBackups(orderId);
  await getNodeTime("pve1");
}

afterEach(async () => {
  await proxmox.setAcl(null);
  for (const vmid of created.splice(0)) {
    const status = await getVmStatus("pve1", vmid).catch(() => null);
    if (!status) continue;
    if (status.status === "running") await taskDone("pve1", await vmPower("pve1", vmid, "stop"));
    await taskDone("pve1", await deleteVm("pve1", vmid));
  }
  // Tunnels and DNS records belong to their VM row: the next test's VM (maybe on the same VMID) must
  // not find this one's, or provisioning rightly refuses a hostname another VM owns.
  for (const orderId of orders.splice(0)) await removeTunnelAndDns(orderId);
  await retireProvisioningFixtures();
});
afterAll(() => proxmox.setAcl(null));

describe("the token's minimal privileges", () => {
  it("with exactly the documented ACL, a paid order becomes a running VM that can be stopped and opened in the console", async () => {
    await proxmox.setAcl(acl);
    const vmid = await provisionAndUse();
    expect((await db.vm.findFirstOrThrow({ where: { vmid } })).status).toBe("running");
  });

  const each = acl.flatMap((entry) => entry.privs.map((priv) => [priv, entry.path] as const));
  it.each(each)("without %s on %s a call is refused with a 403 naming it", async (priv, path) => {
    await proxmox.setAcl(acl.map((e) => (e.path === path ? { ...e, privs: e.privs.filter((p) => p !== priv) } : e)));
    const error = await provisionAndUse().then(
      () => null,
      (e: Error) => e,
    );
    const refused = /Permission check failed \((\/[^,]*), ([^)]+)\)/.exec(error?.message ?? "");
    // One privilege, or the alternatives Proxmox accepts for it (`VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted`).
    expect(refused?.[2]?.split("|")).toContain(priv);
    // On that path, or below it where the entry propagates (a VM under /vms, a VNet in the zone).
    expect(refused?.[1] === path || refused?.[1]?.startsWith(`${path}/`)).toBe(true);
  });
});
