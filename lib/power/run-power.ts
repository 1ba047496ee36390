// The Inngest power function's steps as plain functions (I2: only background code calls Proxmox).
// Each re-reads state before acting, so a retried or replayed step does nothing twice (I3).
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import type { PowerAction } from "@/lib/generated/prisma/client";
import { expectedStatusAfter } from "@/lib/power/power-rules";
import { OPEN_POWER_STATUSES, transitionPowerRequest } from "@/lib/power/power-request-state";
import { getVmStatus, listActiveTasks, vmPower, type Upid } from "@/lib/proxmox/api";
import { isLockMessage, ProxmoxError } from "@/lib/proxmox/errors";
import { waitForPowerState } from "@/lib/proxmox/machine";
import { LOCK_RETRY_DELAYS_MS, pollTask, sleep, taskSucceeded, WaitTimeoutError, withLockRetry } from "@/lib/proxmox/tasks";
import { acquireProxmoxSlot, recordSlotTask, releaseProxmoxSlot, slotTask, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { transitionVm } from "@/lib/vms/vm-state";
import { billingGate } from "@/lib/billing-state/gates";

export type PowerTarget = { powerRequestId: string; vmId: string; action: PowerAction; node: string; vmid: number };
export type PowerCheck = { ok: true; target: PowerTarget } | { ok: false; error: string };
export type PowerApplied = { kind: "task"; upid: Upid } | { kind: "already" } | { kind: "refused"; error: string };
/** How the task ended: `error` is null on success, else the operator's reason. */
export type PowerOutcome = { error: string | null };

/** pending → running for exactly one caller; false means another run has it or it is over (I3). */
export async function claimPowerRequest(powerRequestId: string): Promise<boolean> {
  return transitionPowerRequest(powerRequestId, "pending", "running");
}

/** The request's Proxmox work slot: held from the POST that starts its task to that task's end. */
export const powerSlotHolder = (vmId: string, powerRequestId: string) => vmSlotHolder(vmId, `power:${powerRequestId}`);

/** The request must be for this VM, the VM its requester's, built and in a state we manage. */
export async function checkPowerTarget(powerRequestId: string, vmId: string): Promise<PowerCheck> {
  const request = await db.powerRequest.findUnique({
    where: { id: powerRequestId },
    select: { vmId: true, userId: true, action: true, vm: { select: { userId: true, status: true, vmid: true, nodeName: true } } },
  });
  if (!request || request.vmId !== vmId) return { ok: false, error: `power request ${powerRequestId} is not for vm ${vmId}` };
  const { vm } = request;
  if (vm.userId !== request.userId) return { ok: false, error: "vm owner is not the requester" };
  if (vm.status !== "running" && vm.status !== "stopped") return { ok: false, error: `vm is ${vm.status}` };
  if (vm.vmid === null || !vm.nodeName) return { ok: false, error: "vm has no vmid or node" };
  // Nothing starts a suspended VM (I6), even a request queued before the suspension.
  if (request.action === "start" || request.action === "reboot") {
    const gate = await billingGate({ userId: vm.userId, vmId, action: request.action });
    if (!gate.allowed) return { ok: false, error: "refused: billing suspended (payment required)" };
  }
  return { ok: true, target: { powerRequestId, vmId, action: request.action, node: vm.nodeName, vmid: vm.vmid } };
}

/**
 * Starts the Proxmox task (`shutdown` is the guest's ACPI shutdown, `stop` pulls the plug). The
 * machine is read first: a VM already in the wanted state needs no task, which also makes a
 * re-run after a lost step result harmless. Lock errors are retried with backoff, then thrown.
 * The task takes a Proxmox work slot before its POST; waitForPowerTask frees it at the task's end.
 */
export async function applyPowerAction(target: PowerTarget, lockDelaysMs: readonly number[] = LOCK_RETRY_DELAYS_MS): Promise<PowerApplied> {
  const current = await withLockRetry(async () => {
    const status = await getVmStatus(target.node, target.vmid);
    // A `lock` property (backup, migration, snapshot) would fail the task: treat it as a lock error.
    if (status.lock) throw new ProxmoxError(409, `VM is locked (${status.lock})`);
    return status;
  }, lockDelaysMs);
  const wanted = expectedStatusAfter[target.action];
  if (target.action !== "reboot" && current.status === wanted) return { kind: "already" };
  if (target.action === "reboot" && current.status !== "running") return { kind: "refused", error: "reboot asked for a stopped vm" };
  const holder = powerSlotHolder(target.vmId, target.powerRequestId);
  const lease = await acquireProxmoxSlot(holder);
  if (lease.upid) return { kind: "task", upid: lease.upid }; // an earlier try started it
  try {
    // An earlier try may have started the task and lost the answer before noting it on the lease
    // (a reboot re-sent would reboot the guest twice): adopt a task of this kind still running.
    const [running] = await listActiveTasks(target.node, target.vmid, `qm${target.action}`);
    if (running) {
      await recordSlotTask(holder, running.upid);
      return { kind: "task", upid: running.upid };
    }
    const upid = await withLockRetry(() => vmPower(target.node, target.vmid, target.action), lockDelaysMs);
    await recordSlotTask(holder, upid);
    return { kind: "task", upid };
  } catch (error) {
    if (error instanceof ProxmoxError) await releaseProxmoxSlot(holder); // refused: no task runs
    throw error;
  }
}

/**
 * Polls the task until it ends and frees its slot. A task that failed on a config lock (Proxmox
 * reports those as the exit status, not on the POST) is started again, after re-reading the
 * machine, up to `tries` times. A timeout throws: the step's retry polls the same task.
 */
export async function waitForPowerTask(target: PowerTarget, upid: Upid, options: { timeoutMs?: number; tries?: number } = {}): Promise<PowerOutcome> {
  const holder = powerSlotHolder(target.vmId, target.powerRequestId);
  const { timeoutMs = 5 * 60_000, tries = 4 } = options;
  let current = (await slotTask(holder)) ?? upid; // a restarted task is on the lease
  for (let attempt = 1; ; attempt++) {
    const task = await pollTask(current, Date.now() + timeoutMs);
    if (!task) {
      await recordSlotTask(holder, current);
      throw new WaitTimeoutError(`power task ${current}`);
    }
    await releaseProxmoxSlot(holder);
    if (taskSucceeded(task)) return { error: null };
    const exitstatus = task.exitstatus ?? "no exit status";
    if (!isLockMessage(exitstatus) || attempt >= tries) return { error: `task failed: ${exitstatus}` };
    await sleep(LOCK_RETRY_DELAYS_MS[Math.min(attempt - 1, LOCK_RETRY_DELAYS_MS.length - 1)]!);
    const again = await applyPowerAction(target);
    if (again.kind !== "task") return { error: again.kind === "refused" ? again.error : null };
    current = again.upid;
  }
}

/** Brings our record in line with the machine; returns what Proxmox reports. */
export async function syncVmStatus(vmId: string, node: string, vmid: number): Promise<"running" | "stopped"> {
  const current = await withLockRetry(() => getVmStatus(node, vmid));
  await transitionVm(vmId, ["running", "stopped"], current.status);
  return current.status;
}

/** Reads the machine, records its state, and closes the request (running → done/failed, once). */
export async function recordPowerResult(target: PowerTarget, outcome: PowerOutcome): Promise<{ status: "done" | "failed"; vmStatus: "running" | "stopped" }> {
  const expected = expectedStatusAfter[target.action];
  // An HA-managed VM's `hastart`/`hastop` task ends before the VM changed: wait for the fact (bounded).
  if (!outcome.error) await waitForPowerState(target, expected);
  const vmStatus = await syncVmStatus(target.vmId, target.node, target.vmid);
  const error = outcome.error ?? (vmStatus !== expected ? `expected ${expected} after ${target.action}, proxmox reports ${vmStatus}` : null);
  const status = error ? "failed" : "done";
  if (await transitionPowerRequest(target.powerRequestId, "running", status, { error, finishedAt: new Date() })) {
    await recordAudit(
      { type: "system" },
      status === "done" ? "vm.power_done" : "vm.power_failed",
      { type: "vm", id: target.vmId },
      { powerRequestId: target.powerRequestId, action: target.action, vmStatus, ...(error ? { error } : {}) },
    );
  }
  return { status, vmStatus };
}

/** Closes a request that cannot go on (bad target, refused, or retries exhausted). */
export async function failPowerRequest(powerRequestId: string, error: string): Promise<boolean> {
  const request = await db.powerRequest.findUnique({ where: { id: powerRequestId }, select: { vmId: true, action: true } });
  if (!request) return false;
  await releaseProxmoxSlot(powerSlotHolder(request.vmId, powerRequestId));
  const moved = await transitionPowerRequest(powerRequestId, OPEN_POWER_STATUSES, "failed", { error, finishedAt: new Date() });
  if (moved) await recordAudit({ type: "system" }, "vm.power_failed", { type: "vm", id: request.vmId }, { powerRequestId, action: request.action, error });
  return moved;
}

/**
 * After a final failure the machine may have changed anyway (the task ran but a later read failed):
 * re-read it for our record. Best effort: Proxmox may be the reason we failed.
 */
export async function resyncVmAfterFailure(vmId: string): Promise<"running" | "stopped" | null> {
  const vm = await db.vm.findUnique({ where: { id: vmId }, select: { status: true, vmid: true, nodeName: true } });
  if (!vm || vm.vmid === null || !vm.nodeName || (vm.status !== "running" && vm.status !== "stopped")) return null;
  try {
    return await syncVmStatus(vmId, vm.nodeName, vm.vmid);
  } catch {
    return null;
  }
}
