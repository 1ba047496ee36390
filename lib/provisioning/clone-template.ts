// Steps "clone template" and "wait for clone". Ownership is the rule: `clonedAt` (set the moment
// Proxmox accepted our clone) or our marker in the VM's description says a VM is ours; a VMID that
// is taken by anything else is never touched, only reported (I8: compensation destroys only ours).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { cloneVm, getVmConfig } from "@/lib/proxmox/api";
import { templateOn } from "@/lib/provisioning/choose-node";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { ownerMarker } from "@/lib/provisioning/naming";
import { findClusterVm, pollTask, pollUnlocked, taskSucceeded, withLockRetry } from "@/lib/provisioning/proxmox-waits";

/** True when the VM at `vmid` carries this order's marker (created by us, record possibly lost). */
export async function carriesOwnerMarker(node: string, vmid: number, orderId: string): Promise<boolean> {
  const config = await getVmConfig(node, vmid);
  return String(config.description ?? "").trim() === ownerMarker(orderId);
}

/** Returns the clone task's UPID, or null when the clone had already been made. */
export async function cloneTemplate(orderId: string): Promise<{ upid: string | null }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  const existing = await findClusterVm(vm.vmid);
  if (existing) {
    if (vm.clonedAt) return { upid: null };
    if (existing.type === "qemu" && (await carriesOwnerMarker(existing.node, vm.vmid, orderId))) {
      await db.vm.update({ where: { id: vm.id }, data: { clonedAt: new Date() } });
      return { upid: null };
    }
    throw new ProvisioningHaltedError(`VMID ${vm.vmid} exists in Proxmox (${existing.type} on ${existing.node}) and was not created for this order; not touching it`);
  }
  const templateVmid = await templateOn(vm.nodeName, vm.labType);
  const upid = await withLockRetry(() =>
    cloneVm(vm.nodeName, templateVmid, { newid: vm.vmid, name: order.hostname, full: true, description: ownerMarker(orderId) }),
  );
  await db.vm.update({ where: { id: vm.id }, data: { clonedAt: new Date() } });
  return { upid };
}

/**
 * Polls the clone task, then the config `lock`, for at most `budgetMs` per call; the Inngest
 * function sleeps between calls, so a slow clone does not hold a worker for minutes. The overall
 * limit (CLONE_TIMEOUT_MINUTES) counts from `clonedAt`.
 */
export async function waitForClone(orderId: string, upid: string | null, budgetMs = 45_000): Promise<{ done: boolean }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  const deadline = (vm.clonedAt ?? new Date()).getTime() + env().CLONE_TIMEOUT_MINUTES * 60_000;
  const stopAt = Math.min(deadline, Date.now() + budgetMs);
  if (upid) {
    const task = await pollTask(upid, stopAt);
    if (task && !taskSucceeded(task)) throw new ProvisioningHaltedError(`clone task failed: ${task.exitstatus ?? "no exit status"}`);
    if (task && (await pollUnlocked(vm.nodeName, vm.vmid, stopAt))) return { done: true };
  } else if (await pollUnlocked(vm.nodeName, vm.vmid, stopAt)) {
    return { done: true };
  }
  if (Date.now() >= deadline) throw new ProvisioningHaltedError(`clone did not finish within ${env().CLONE_TIMEOUT_MINUTES} minutes`);
  return { done: false };
}
