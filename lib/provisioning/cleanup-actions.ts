// What compensation undoes, one action per resource, each idempotent: it looks at what the
// database says this product created (and what carries our names), removes it if it still exists,
// and clears the record. Nothing here touches a VM we did not create (I8).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { deleteVm, getVmStatus, vmPower } from "@/lib/proxmox/api";
import { withProxmoxSsh } from "@/lib/proxmox/ssh";
import { carriesOwnerMarker } from "@/lib/provisioning/clone-template";
import { loadOrder } from "@/lib/provisioning/load-order";
import { snippetPathFor, sshHostname, tunnelName, tunnelTarget, webHostname } from "@/lib/provisioning/naming";
import { findClusterVm, sleep, waitForTaskOk, WaitTimeoutError, withLockRetry } from "@/lib/provisioning/proxmox-waits";
import { deleteDnsRecord, deleteTunnel, findDnsRecords, findLiveTunnels } from "@/lib/provisioning/tunnel-dns";

const TASK_TIMEOUT_MS = 10 * 60_000;

export async function removeTunnelAndDns(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm) return "no VM row";
  const tunnelIds = new Set<string>(vm.tunnelId ? [vm.tunnelId] : []);
  // By name too: a tunnel created just before a crash may not have reached the database.
  if (vm.vmid !== null) for (const t of await findLiveTunnels(tunnelName(vm.vmid))) tunnelIds.add(t.id);
  const recordIds = new Set([vm.sshDnsRecordId, vm.webDnsRecordId].filter((id): id is string => !!id));
  if (vm.vmid !== null) {
    const targets = new Set([...tunnelIds].map(tunnelTarget));
    for (const hostname of [sshHostname(vm.vmid), webHostname(vm.vmid)]) {
      // Only CNAMEs pointing at our tunnel: a record with another target is not ours to delete.
      for (const r of await findDnsRecords(hostname)) if (r.type === "CNAME" && targets.has(r.content)) recordIds.add(r.id);
    }
  }
  for (const id of recordIds) await deleteDnsRecord(id);
  await db.vm.update({ where: { id: vm.id }, data: { sshDnsRecordId: null, webDnsRecordId: null, sshHostname: null, webHostname: null } });
  for (const id of tunnelIds) await deleteTunnel(id);
  await db.vm.update({ where: { id: vm.id }, data: { tunnelId: null } });
  return `deleted ${recordIds.size} DNS record(s) and ${tunnelIds.size} tunnel(s)`;
}

export async function removeSnippet(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm || vm.vmid === null) return "no VMID, no snippet";
  const path = snippetPathFor(vm.vmid);
  await withProxmoxSsh((ssh) => ssh.exec(["rm", "-f", path]));
  await db.vm.update({ where: { id: vm.id }, data: { snippetPath: null } });
  return `removed ${path}`;
}

/** Waits until the guest is gone or carries no lock (a clone in progress holds "clone"). */
async function waitForUnlockedOrGone(vmid: number, deadline: number): Promise<"gone" | "unlocked"> {
  for (let pause = 200; ; pause = Math.min(pause * 2, 5_000)) {
    const found = await findClusterVm(vmid);
    if (!found) return "gone";
    if (!found.lock) return "unlocked";
    if (Date.now() + pause > deadline) throw new WaitTimeoutError(`the lock "${found.lock}" on VM ${vmid} to clear`);
    await sleep(pause);
  }
}

/** Stops (hard) and destroys the VM if this order created it. Throws when it could not. */
export async function destroyOwnedVm(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm || vm.vmid === null) return "no VMID reserved";
  const vmid = vm.vmid;
  const found = await findClusterVm(vmid);
  if (!found) return `VM ${vmid} does not exist in Proxmox`;
  const ours = found.type === "qemu" && (vm.clonedAt !== null || (await carriesOwnerMarker(found.node, vmid, orderId)));
  if (!ours) return `VMID ${vmid} is held by a guest this product did not create; left alone`;
  if ((await waitForUnlockedOrGone(vmid, Date.now() + env().CLONE_TIMEOUT_MINUTES * 60_000)) === "gone") return `VM ${vmid} went away on its own`;
  if ((await getVmStatus(found.node, vmid)).status === "running") {
    await waitForTaskOk(await withLockRetry(() => vmPower(found.node, vmid, "stop")), "hard stop", TASK_TIMEOUT_MS);
  }
  await waitForTaskOk(await withLockRetry(() => deleteVm(found.node, vmid)), "destroy", TASK_TIMEOUT_MS);
  return `destroyed VM ${vmid} on ${found.node}`;
}

/** Gives the VMID back, and forgets the placement, once nothing of ours occupies it. */
export async function releaseVmid(orderId: string, vmGone: boolean): Promise<string> {
  if (!vmGone) throw new Error("VMID kept: its VM could not be destroyed");
  const [released] = await db.$transaction([
    db.vmidReservation.deleteMany({ where: { orderId } }),
    db.vm.updateMany({ where: { orderId }, data: { vmid: null, nodeName: null, clonedAt: null, passwordCiphertext: null, snippetPath: null } }),
  ]);
  return released.count ? "released the VMID reservation" : "no reservation held";
}
