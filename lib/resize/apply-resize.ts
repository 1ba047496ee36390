// The resize apply run's steps as plain functions (I2: only background code calls Proxmox). Each
// reads the machine before acting, so a re-run after a lost step result does nothing twice (I3):
// the shutdown is skipped for a stopped VM, cores/memory are written only when they differ, the
// disk is grown to an absolute size, the start only when it was running and is not.
import { recordAudit } from "@/lib/audit/record-audit";
import { stripe } from "@/lib/billing/stripe";
import { billingGate } from "@/lib/billing-state/gates";
import { db } from "@/lib/db";
import { sendEmailOnce } from "@/lib/email/outbox";
import { customerEmails } from "@/lib/email/templates/customer";
import { env } from "@/lib/env";
import { formatMoney } from "@/lib/format/money";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { getVmConfig, getVmCurrentConfig, getVmPending, getVmStatus, shutdownVm } from "@/lib/proxmox/api";
import { ensurePower, growDiskTo, hasCpuMemory, memoryMiB, setCpuMemory, waitForPowerState } from "@/lib/proxmox/machine";
import { diskSizeGb, withLockRetry } from "@/lib/proxmox/tasks";
import { runLeasedTaskToEnd, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { itemsMatch } from "@/lib/resize/confirm-resize-payment";
import type { TargetItems } from "@/lib/resize/quote-resize";
import { transitionResize } from "@/lib/resize/resize-state";
import { syncVmStatus } from "@/lib/power/run-power";
import { OPEN_POWER_STATUSES } from "@/lib/power/power-request-state";
import { vmBusyWith } from "@/lib/vm-operations/vm-busy";
import { POWER_REQUEST_ABANDONED_AFTER_MS } from "@/lib/power/request-power";

/** Another try cannot fix it (payment not confirmed, VM gone): the run stops and the request fails. */
export class ResizeHaltedError extends ProvisioningHaltedError {
  constructor(message: string) {
    super(message);
    this.name = "ResizeHaltedError";
  }
}

export type ResizeTarget = { resizeRequestId: string; vmId: string; node: string; vmid: number; vcpus: number; ramGb: number; diskGb: number };

export const FAILED_CUSTOMER_MESSAGE =
  "Your payment went through, but we couldn't apply the new size yet. Your VM keeps its current size; our team has been told and will finish it or refund you.";

/** A resize step's Proxmox work slot, under its VM's name (lib/proxmox/work-slots.ts). */
export const resizeSlotHolder = (vmId: string, resizeRequestId: string, what: string) => vmSlotHolder(vmId, `resize:${resizeRequestId}:${what}`);

/** paid → applying for exactly one run; false when another run has it or it is over. */
export async function claimResize(resizeRequestId: string): Promise<boolean> {
  return transitionResize(resizeRequestId, "paid", "applying", { progressStep: "starting" });
}

const progress = (resizeRequestId: string, progressStep: string) => db.resizeRequest.update({ where: { id: resizeRequestId }, data: { progressStep } });

export async function loadResizeTarget(resizeRequestId: string): Promise<ResizeTarget> {
  const request = await db.resizeRequest.findUniqueOrThrow({
    where: { id: resizeRequestId },
    select: { vmId: true, userId: true, vcpus: true, ramGb: true, diskGb: true, vm: { select: { userId: true, vmid: true, nodeName: true, status: true } } },
  });
  const { vm } = request;
  if (vm.userId !== request.userId) throw new ResizeHaltedError("vm owner is not the requester");
  if (vm.vmid === null || !vm.nodeName) throw new ResizeHaltedError("vm has no vmid or node");
  if (vm.status !== "running" && vm.status !== "stopped") throw new ResizeHaltedError(`vm is ${vm.status}`);
  // The run waited for any power action first (openPowerActionOn); none can start while it applies.
  if (await openPowerActionOn(request.vmId)) throw new Error("a power action on this vm is in progress");
  // Power was asked above (leaving out an abandoned request); the resize is this one.
  if (await vmBusyWith(db, request.vmId, { besides: ["power", "resize"] })) {
    throw new Error("a snapshot, backup or rebuild of this vm is in progress"); // retried: it ends in minutes
  }
  return { resizeRequestId, vmId: request.vmId, node: vm.nodeName, vmid: vm.vmid, vcpus: request.vcpus, ramGb: request.ramGb, diskGb: request.diskGb };
}

/**
 * Whether a power action on the VM is still open (pending or running), leaving out one abandoned
 * by its run. A paid resize waits for it as steps (resize-vm.ts) rather than spending its retries:
 * a reboot or a slow shutdown takes minutes, a retry's backoff seconds.
 */
export async function openPowerActionOn(vmId: string): Promise<boolean> {
  const since = new Date(Date.now() - POWER_REQUEST_ABANDONED_AFTER_MS);
  return (await db.powerRequest.count({ where: { vmId, status: { in: [...OPEN_POWER_STATUSES] }, createdAt: { gt: since } } })) > 0;
}

/** I1 at the last moment: Stripe, re-read, says the money for exactly this change is in. */
export async function verifyResizePaid(resizeRequestId: string): Promise<{ invoiceId: string }> {
  const request = await db.resizeRequest.findUniqueOrThrow({ where: { id: resizeRequestId } });
  if (!request.stripeInvoiceId) throw new ResizeHaltedError("the request has no invoice");
  const [subscription, invoice] = await Promise.all([
    stripe().subscriptions.retrieve(request.stripeSubscriptionId),
    stripe().invoices.retrieve(request.stripeInvoiceId),
  ]);
  if (invoice.status !== "paid") throw new ResizeHaltedError(`invoice ${invoice.id} is ${invoice.status}`);
  if (subscription.pending_update) throw new ResizeHaltedError("the subscription still has a pending update");
  if (!itemsMatch(subscription, (request.targetItems as unknown as TargetItems).expected))
    throw new ResizeHaltedError("the subscription's items are not the resize's target");
  return { invoiceId: invoice.id };
}

/** Whether the VM was running before this resize touched it: read once, kept on the request. */
export async function recordWasRunning(target: ResizeTarget): Promise<boolean> {
  const stored = await db.resizeRequest.findUniqueOrThrow({ where: { id: target.resizeRequestId }, select: { wasRunning: true } });
  if (stored.wasRunning !== null) return stored.wasRunning;
  const status = await withLockRetry(() => getVmStatus(target.node, target.vmid));
  const wasRunning = status.status === "running";
  await db.resizeRequest.updateMany({ where: { id: target.resizeRequestId, wasRunning: null }, data: { wasRunning } });
  return (await db.resizeRequest.findUniqueOrThrow({ where: { id: target.resizeRequestId }, select: { wasRunning: true } })).wasRunning!;
}

/** ACPI shutdown with RESIZE_SHUTDOWN_TIMEOUT_SECONDS, then Proxmox's own hard stop (forceStop). */
export async function shutdownForResize(target: ResizeTarget): Promise<boolean> {
  await progress(target.resizeRequestId, "shutting down");
  const timeout = env().RESIZE_SHUTDOWN_TIMEOUT_SECONDS;
  const shutdown = await runLeasedTaskToEnd(
    resizeSlotHolder(target.vmId, target.resizeRequestId, "shutdown"),
    "shutdown for resize",
    async () => {
      const status = await getVmStatus(target.node, target.vmid);
      return status.status === "stopped" ? null : shutdownVm(target.node, target.vmid, timeout);
    },
    { timeoutMs: (timeout + 120) * 1000 },
  );
  // An HA-managed VM's shutdown task (`hastop`) ends before the VM stopped: wait for the fact.
  if ((await waitForPowerState(target, "stopped")) !== "stopped") throw new Error("the VM did not stop after its shutdown task");
  return shutdown;
}

export async function setCoresAndMemory(target: ResizeTarget): Promise<{ changed: boolean }> {
  await progress(target.resizeRequestId, "setting cores and memory");
  return { changed: await setCpuMemory(target, target, resizeSlotHolder(target.vmId, target.resizeRequestId, "config")) };
}

/**
 * The running VM must have the new size, not only its config: on a running VM Proxmox keeps
 * `cores` (and `memory` without memory hotplug) pending, and GET config shows pending values as if
 * applied (qemu-server). So status/current (cpus, maxmem) and GET pending are read; a change still
 * pending gets a cold restart (stop, start), then the size is read again.
 */
export async function confirmResized(target: ResizeTarget): Promise<{ restarted: boolean }> {
  await progress(target.resizeRequestId, "checking the new size");
  const memoryBytes = memoryMiB(target.ramGb) * 1024 ** 2;
  const pendingSize = async () =>
    (await withLockRetry(() => getVmPending(target.node, target.vmid))).some(
      (p) => ["cores", "sockets", "memory"].includes(p.key) && (p.pending !== undefined || p.delete),
    );
  const status = await withLockRetry(() => getVmStatus(target.node, target.vmid));
  const sized = (s: { cpus?: number; maxmem?: number }) => s.cpus === target.vcpus && s.maxmem === memoryBytes;
  if (status.status === "stopped") {
    const current = await withLockRetry(() => getVmCurrentConfig(target.node, target.vmid));
    if (!hasCpuMemory(current, target)) throw new ResizeHaltedError("the stopped VM's config is not the new size");
    return { restarted: false };
  }
  if (sized(status) && !(await pendingSize())) return { restarted: false };
  await progress(target.resizeRequestId, "restarting to apply the new size");
  await ensurePower(target, "stopped", resizeSlotHolder(target.vmId, target.resizeRequestId, "cold-stop"), "stop to apply the new size");
  await waitForPowerState(target, "stopped");
  await ensurePower(target, "running", resizeSlotHolder(target.vmId, target.resizeRequestId, "cold-start"), "start with the new size");
  await waitForPowerState(target, "running");
  const after = await withLockRetry(() => getVmStatus(target.node, target.vmid));
  if (!sized(after) || (await pendingSize())) {
    throw new ResizeHaltedError(`after a cold restart the VM has ${after.cpus} vCPU / ${Math.round((after.maxmem ?? 0) / 1024 ** 2)} MiB, not the new size`);
  }
  return { restarted: true };
}

/** Grows the disk to the absolute target (never "+NG": a repeat cannot grow it twice). Errors are in the task. */
export async function growDiskForResize(target: ResizeTarget): Promise<{ fromGb: number; toGb: number }> {
  await progress(target.resizeRequestId, "growing disk");
  const grown = await growDiskTo(target, target.diskGb, resizeSlotHolder(target.vmId, target.resizeRequestId, "disk"));
  if (!grown) throw new ResizeHaltedError(`the vm has no ${env().PROXMOX_DISK} disk with a size`);
  return grown;
}

/**
 * A VM suspended for billing while its resize ran stays stopped (I6: nothing automatic starts a
 * suspended VM); payment's restore starts it later under RESTORE_POWER.
 */
async function mayStartAgain(vmId: string): Promise<boolean> {
  const vm = await db.vm.findUnique({ where: { id: vmId }, select: { userId: true } });
  return !!vm && (await billingGate({ userId: vm.userId, vmId, action: "start" })).allowed;
}

export async function startAfterResize(target: ResizeTarget, wasRunning: boolean): Promise<boolean> {
  if (!wasRunning || !(await mayStartAgain(target.vmId))) return false;
  await progress(target.resizeRequestId, "starting");
  const started = await ensurePower(target, "running", resizeSlotHolder(target.vmId, target.resizeRequestId, "start"), "start after resize");
  await waitForPowerState(target, "running"); // `hastart` ends before the VM runs
  return started;
}

/** applying → applied and the VM row's new size, in one transaction (once). */
export async function markResized(target: ResizeTarget): Promise<boolean> {
  const vmStatus = await syncVmStatus(target.vmId, target.node, target.vmid);
  return db.$transaction(async (tx) => {
    const now = new Date();
    const moved = await transitionResize(
      target.resizeRequestId,
      "applying",
      "applied",
      { appliedAt: now, finishedAt: now, progressStep: null, customerMessage: null },
      tx,
    );
    if (!moved) return false;
    await tx.vm.update({ where: { id: target.vmId }, data: { vcpus: target.vcpus, ramGb: target.ramGb, diskGb: target.diskGb } });
    await recordAudit(
      { type: "system" },
      "vm.resize_applied",
      { type: "vm", id: target.vmId },
      { resizeRequestId: target.resizeRequestId, vmStatus, vcpus: target.vcpus, ramGb: target.ramGb, diskGb: target.diskGb },
      tx,
    );
    return true;
  });
}

export const resizedEmailKey = (resizeRequestId: string) => `vm-resized:${resizeRequestId}`;

export async function sendResizedEmail(resizeRequestId: string) {
  const request = await db.resizeRequest.findUniqueOrThrow({
    where: { id: resizeRequestId },
    select: {
      vmId: true,
      vcpus: true,
      ramGb: true,
      diskGb: true,
      newMonthlyMinor: true,
      currency: true,
      vm: { select: { name: true, user: { select: { email: true, name: true } } } },
    },
  });
  const email = customerEmails.resized(request.vm.user.name, {
    vmName: request.vm.name,
    summary: `${request.vcpus} vCPUs, ${request.ramGb} GB of RAM and ${request.diskGb} GB of disk`,
    price: formatMoney(request.newMonthlyMinor, request.currency),
    vmId: request.vmId,
  });
  return sendEmailOnce({ key: resizedEmailKey(resizeRequestId), to: request.vm.user.email, ...email });
}

/** The final failure: the request is failed for the operator (the payment stays recorded, I8). */
export async function failResize(resizeRequestId: string, reason: string): Promise<boolean> {
  const request = await db.resizeRequest.findUnique({ where: { id: resizeRequestId }, select: { vmId: true } });
  if (!request) return false;
  const moved = await transitionResize(resizeRequestId, ["paid", "applying"], "failed", { failureReason: reason, customerMessage: FAILED_CUSTOMER_MESSAGE });
  if (moved) await recordAudit({ type: "system" }, "vm.resize_failed", { type: "vm", id: request.vmId }, { resizeRequestId, reason });
  return moved;
}

/**
 * After a final failure: put the old CPU and RAM back (when the new ones were written but the
 * resize did not finish), start the VM again if it was running, and record the disk it really
 * has (a grown disk stays grown). Best effort: Proxmox may be why the run failed.
 */
export async function restartAfterFailure(resizeRequestId: string): Promise<"restored" | "unchanged" | "unreachable"> {
  const request = await db.resizeRequest.findUnique({
    where: { id: resizeRequestId },
    select: { status: true, wasRunning: true, vmId: true, fromVcpus: true, fromRamGb: true, fromDiskGb: true, vm: { select: { vmid: true, nodeName: true } } },
  });
  if (!request || request.status !== "failed" || request.vm.vmid === null || !request.vm.nodeName) return "unchanged";
  const { vmid, nodeName } = request.vm;
  try {
    const machine = { node: nodeName, vmid };
    await setCpuMemory(machine, { vcpus: request.fromVcpus, ramGb: request.fromRamGb }, resizeSlotHolder(request.vmId, resizeRequestId, "restore"));
    if (request.wasRunning && (await mayStartAgain(request.vmId))) {
      await ensurePower(machine, "running", resizeSlotHolder(request.vmId, resizeRequestId, "restart"), "start after failed resize");
    }
    const config = await withLockRetry(() => getVmConfig(nodeName, vmid));
    const disk = diskSizeGb(config[env().PROXMOX_DISK]);
    await db.vm.update({
      where: { id: request.vmId },
      data: { vcpus: request.fromVcpus, ramGb: request.fromRamGb, diskGb: Math.max(request.fromDiskGb, Math.floor(disk ?? 0)) },
    });
    await syncVmStatus(request.vmId, nodeName, vmid);
    return "restored";
  } catch {
    return "unreachable";
  }
}
