// Steps "clone template" and "wait for clone". Ownership is the rule: `clonedAt` (set the moment
// Proxmox accepted our clone) or our marker in the VM's description says a VM is ours; a VMID that
// is taken by anything else is never touched, only reported (I8: compensation destroys only ours).
// The clone holds a Proxmox work slot from its POST until its task has ended and the lock cleared
// (lib/proxmox/work-slots.ts), across the steps and sleeps in between.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { cloneVm, getVmConfig } from "@/lib/proxmox/api";
import { isLockMessage, ProxmoxError } from "@/lib/proxmox/errors";
import { findClusterVm, pollTask, pollUntil, taskSucceeded, withLockRetry } from "@/lib/proxmox/tasks";
import { acquireProxmoxSlot, recordSlotTask, releaseProxmoxSlot, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { templateFor } from "@/lib/provisioning/choose-node";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { CLONE_TEMPORARY_DESCRIPTION, ownerMarker } from "@/lib/provisioning/naming";

/** True when the VM at `vmid` carries this order's marker (created by us, record possibly lost). */
export async function carriesOwnerMarker(node: string, vmid: number, orderId: string): Promise<boolean> {
  const config = await getVmConfig(node, vmid);
  return String(config.description ?? "").trim() === ownerMarker(orderId);
}

export type CloneStarted = { upid: string | null; pending?: "temporary config" };

/**
 * Returns the clone task's UPID, or null when the clone had already been made. `pending` means
 * a clone task (ours, whose answer was lost, or someone's) is still writing the VMID's temporary
 * config: qemu-server creates it first (`lock: clone`, description "qmclone temporary file") and
 * writes the real description at the end, so ownership is judged only once that lock is gone.
 */
export async function cloneTemplate(orderId: string, templateId?: string | null): Promise<CloneStarted> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  const existing = await findClusterVm(vm.vmid);
  if (existing) {
    if (vm.clonedAt) return { upid: null };
    if (existing.type === "qemu") {
      const config = await getVmConfig(existing.node, vm.vmid);
      const description = String(config.description ?? "").trim();
      if (config.lock === "clone" && description === CLONE_TEMPORARY_DESCRIPTION) return { upid: null, pending: "temporary config" };
      if (description === ownerMarker(orderId)) {
        await db.vm.update({ where: { id: vm.id }, data: { clonedAt: new Date() } });
        return { upid: null };
      }
    }
    throw new ProvisioningHaltedError(
      `VMID ${vm.vmid} exists in Proxmox (${existing.type} on ${existing.node}) and was not created for this order; not touching it`,
    );
  }
  // A rebuild may name another image of the same lab type; linked clones need the template's thin storage.
  const template = await templateFor(vm.nodeName, vm.labType, templateId);
  const holder = vmSlotHolder(vm.id, "clone");
  const lease = await acquireProxmoxSlot(holder);
  if (lease.upid) return { upid: lease.upid }; // an earlier try of this step started it
  try {
    const upid = await withLockRetry(() =>
      cloneVm(vm.nodeName, template.templateVmid, {
        newid: vm.vmid,
        name: order.hostname,
        full: template.cloneMode === "full",
        description: ownerMarker(orderId),
      }),
    );
    await recordSlotTask(holder, upid);
    await db.vm.update({ where: { id: vm.id }, data: { clonedAt: new Date() } });
    return { upid };
  } catch (error) {
    // Proxmox answered with an error: no task started. Any other failure (a lost answer) may hide
    // a running clone, so the slot stays until the next try sees it or the lease expires.
    if (error instanceof ProxmoxError) await releaseProxmoxSlot(holder);
    throw error;
  }
}

export type CloneProgress = { done: boolean; retryClone?: boolean };

/**
 * Polls the clone task, then the config `lock`, for at most `budgetMs` per call; the Inngest
 * function sleeps between calls, so a slow clone does not hold a worker for minutes. The overall
 * limit (CLONE_TIMEOUT_MINUTES) counts from `clonedAt`. A clone task that lost the race for the
 * config lock ("can't lock file … got timeout") removed its own config: `retryClone` asks the
 * caller to clone again rather than fail the order.
 */
export async function waitForClone(orderId: string, upid: string | null, budgetMs = 45_000): Promise<CloneProgress> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  const holder = vmSlotHolder(vm.id, "clone");
  await acquireProxmoxSlot(holder); // renews the clone's slot (or takes one for the wait after a lost lease)
  const deadline = (vm.clonedAt ?? new Date()).getTime() + env().CLONE_TIMEOUT_MINUTES * 60_000;
  const stopAt = Math.min(deadline, Date.now() + budgetMs);
  if (upid) {
    const task = await pollTask(upid, stopAt);
    if (task && !taskSucceeded(task)) {
      await releaseProxmoxSlot(holder);
      if (isLockMessage(task.exitstatus ?? "") && !(await findClusterVm(vm.vmid))) {
        await db.vm.update({ where: { id: vm.id }, data: { clonedAt: null } });
        return { done: false, retryClone: true };
      }
      throw new ProvisioningHaltedError(`clone task failed: ${task.exitstatus ?? "no exit status"}`);
    }
    if (task && (await pollUnlocked(vm.nodeName, vm.vmid, stopAt))) return finished(holder);
  } else if (await pollUnlocked(vm.nodeName, vm.vmid, stopAt)) {
    return finished(holder);
  }
  if (Date.now() >= deadline) throw new ProvisioningHaltedError(`clone did not finish within ${env().CLONE_TIMEOUT_MINUTES} minutes`);
  return { done: false };
}

async function finished(holder: string): Promise<CloneProgress> {
  await releaseProxmoxSlot(holder);
  return { done: true };
}

/** Polls the config until no `lock` property is left. Returns false at `deadline`. */
async function pollUnlocked(node: string, vmid: number, deadline: number): Promise<boolean> {
  return (await pollUntil(async () => ((await getVmConfig(node, vmid)).lock ? undefined : true), deadline)) ?? false;
}
