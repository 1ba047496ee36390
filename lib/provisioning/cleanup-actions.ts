// What compensation undoes, one action per resource. Each is idempotent and either confirms its
// resource gone (returns what it did) or throws, and compensation tries it again later. Only what
// is provably this Vm row's is touched: its tunnel by the owner tag in the name, records pointing at
// that tunnel or created by us (ids stored on the row), the snippet named after the row, the VM
// carrying its order's marker. The VMID goes back to the pool last, once all of that is gone (I8).
import { db } from "@/lib/db";
import { removeVmAccess } from "@/lib/access/vm-access";
import { deleteVm, getVmConfig, getVmStatus } from "@/lib/proxmox/api";
import { ensurePower } from "@/lib/proxmox/machine";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { loadNodeAccess, snippetLocation } from "@/lib/proxmox/node-access";
import { withSsh } from "@/lib/proxmox/ssh";
import { findClusterVm, sleep } from "@/lib/proxmox/tasks";
import { runLeasedTaskToEnd, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { CLEARED_PLACEMENT, loadOrder } from "@/lib/provisioning/load-order";
import {
  CLONE_TEMPORARY_DESCRIPTION,
  isTunnelOf,
  legacyHostnames,
  ownerMarker,
  snippetFileName,
  sshHostname,
  tunnelName,
  tunnelTarget,
  webHostname,
} from "@/lib/provisioning/naming";
import { deleteDnsRecord, deleteTunnel, findDnsRecords, findLiveTunnel, findLiveTunnels } from "@/lib/provisioning/tunnel-dns";

export async function removeTunnelAndDns(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm) return "no VM row";
  // By name (the row id is in it): a tunnel created just before a crash may not be in the row.
  const tunnelIds = new Set((await findLiveTunnels(tunnelName(vm.id))).map((t) => t.id));
  // A stored id counts only if that tunnel carries our name: a stale id must not reach another VM's.
  const stored = vm.tunnelId ? await findLiveTunnel(vm.tunnelId) : null;
  if (stored && isTunnelOf(vm.id, stored.name)) tunnelIds.add(stored.id);
  // Record ids on the row were created by us (Cloudflare never reuses an id).
  const recordIds = new Set([vm.sshDnsRecordId, vm.webDnsRecordId].filter((id): id is string => !!id));
  if (tunnelIds.size) {
    const targets = new Set([...tunnelIds].map(tunnelTarget));
    // The VM's names: from its host label, or the `ssh-<vmid>` ones of a VM built before labels.
    const derived = vm.hostLabel ? [sshHostname(vm.hostLabel), webHostname(vm.hostLabel)] : vm.vmid !== null ? legacyHostnames(vm.vmid) : [];
    const stored = [vm.sshHostname, vm.webHostname].filter((h): h is string => !!h);
    for (const hostname of new Set([...derived, ...stored])) {
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

/** The Cloudflare Access application and policy named after the row (never another's). */
export async function removeAccessApplication(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  return vm ? removeVmAccess(vm.id) : "no VM row";
}

export async function removeSnippet(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm) return "no VM row, no snippet";
  if (!vm.nodeName) {
    if (vm.snippetPath) throw new Error("a snippet is recorded but the VM has no node to remove it from");
    return "no node chosen, no snippet";
  }
  // On the VM's own node (its SSH host, its snippet storage): `local:` storage is per node.
  const access = await loadNodeAccess(vm.nodeName);
  const paths = [...new Set([snippetLocation(access, snippetFileName(vm.id)).path, ...(vm.snippetPath ? [vm.snippetPath] : [])])];
  await withSsh(access.ssh, async (ssh) => {
    for (const path of paths) await ssh.exec(["rm", "-f", path]);
  });
  await db.vm.update({ where: { id: vm.id }, data: { snippetPath: null } });
  return `removed ${paths.join(", ")}`;
}

/** A lock that stays: compensation pauses (minutes, hours) and tries again. */
export class StillLockedError extends ProxmoxError {
  constructor(vmid: number, lock: string) {
    super(409, `VM is locked (${lock})`, null, `vm ${vmid}`);
    this.name = "StillLockedError";
  }
}

/** Waits a little for the guest to be gone or unlocked; a lock that outlasts `waitMs` throws. */
async function waitForUnlockedOrGone(vmid: number, waitMs: number): Promise<NonNullable<Awaited<ReturnType<typeof findClusterVm>>> | null> {
  const deadline = Date.now() + waitMs;
  for (let pause = 200; ; pause = Math.min(pause * 2, 5_000)) {
    const found = await findClusterVm(vmid);
    if (!found || !found.lock) return found ?? null;
    if (Date.now() + pause > deadline) throw new StillLockedError(vmid, found.lock);
    await sleep(pause);
  }
}

/**
 * Stops (hard) and destroys the VM if this order created it, and confirms it gone. A clone still
 * writing its temporary config (`lock: clone`) is waited for before ownership is judged: that
 * config does not carry our marker yet (qemu-server writes the description at the end).
 */
export async function destroyOwnedVm(orderId: string, { lockWaitMs = 30_000 } = {}): Promise<string> {
  const { vm } = await loadOrder(orderId);
  if (!vm || vm.vmid === null) return "no VMID reserved";
  const vmid = vm.vmid;
  const found = await waitForUnlockedOrGone(vmid, lockWaitMs);
  if (!found) return `VM ${vmid} does not exist in Proxmox`;
  if (found.type !== "qemu") return `VMID ${vmid} is held by a guest this product did not create; left alone`;
  const description = String((await getVmConfig(found.node, vmid)).description ?? "").trim();
  if (vm.clonedAt === null && description !== ownerMarker(orderId)) {
    if (description === CLONE_TEMPORARY_DESCRIPTION) throw new StillLockedError(vmid, "clone");
    return `VMID ${vmid} is held by a guest this product did not create; left alone`;
  }
  const node = found.node;
  if ((await getVmStatus(node, vmid)).status === "running") {
    await ensurePower({ node, vmid }, "stopped", vmSlotHolder(vm.id, "stop"), "hard stop");
  }
  await runLeasedTaskToEnd(vmSlotHolder(vm.id, "destroy"), "destroy", async () => ((await findClusterVm(vmid)) ? deleteVm(node, vmid) : null));
  if (await findClusterVm(vmid)) throw new Error(`VM ${vmid} is still listed after its destroy task`);
  return `destroyed VM ${vmid} on ${node}`;
}

/**
 * Gives the VMID back and clears everything derived from it, so a retry starts clean. Refuses
 * while the row still records a resource: the VMID would otherwise go to another order whose
 * leftovers (a clone, a snippet, a legacy VM's `ssh-<vmid>` names) meet this one's.
 */
export async function releaseVmid(orderId: string): Promise<string> {
  const { vm } = await loadOrder(orderId);
  const left = vm
    ? (["tunnelId", "sshDnsRecordId", "webDnsRecordId", "snippetPath", "accessAppId", "accessPolicyId"] as const).filter((k) => vm[k] !== null)
    : [];
  if (left.length) throw new Error(`VMID kept: the VM row still records ${left.join(", ")}`);
  const [released] = await db.$transaction([
    db.vmidReservation.deleteMany({ where: { orderId } }),
    db.vm.updateMany({
      where: { orderId },
      data: CLEARED_PLACEMENT,
    }),
  ]);
  return released.count ? "released the VMID reservation" : "no reservation held";
}
