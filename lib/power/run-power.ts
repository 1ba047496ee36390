// The Inngest power function's steps as plain functions (I2: only background code calls Proxmox).
// Each re-reads state before acting, so a retried or replayed step does nothing twice (I3).
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import type { PowerAction } from "@/lib/generated/prisma/client";
import { expectedStatusAfter } from "@/lib/power/power-rules";
import { withLockRetry } from "@/lib/power/lock-retry";
import { getTaskStatus, getVmStatus, vmPower, type Upid } from "@/lib/proxmox/api";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { transitionVm } from "@/lib/vms/vm-state";

export type PowerTarget = { powerRequestId: string; vmId: string; action: PowerAction; node: string; vmid: number };
export type PowerCheck = { ok: true; target: PowerTarget } | { ok: false; error: string };
export type PowerApplied = { kind: "task"; upid: Upid } | { kind: "already" } | { kind: "refused"; error: string };
/** How the task ended: `error` is null on success, else the operator's reason. */
export type PowerOutcome = { error: string | null };

/** pending → running for exactly one caller; false means another run has it or it is over (I3). */
export async function claimPowerRequest(powerRequestId: string): Promise<boolean> {
  const { count } = await db.powerRequest.updateMany({ where: { id: powerRequestId, status: "pending" }, data: { status: "running" } });
  return count === 1;
}

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
  return { ok: true, target: { powerRequestId, vmId, action: request.action, node: vm.nodeName, vmid: vm.vmid } };
}

/**
 * Starts the Proxmox task (`shutdown` is the guest's ACPI shutdown, `stop` pulls the plug). The
 * machine is read first: a VM already in the wanted state needs no task, which also makes a
 * re-run after a lost step result harmless. Lock errors are retried with backoff, then thrown.
 */
export async function applyPowerAction(target: PowerTarget, lockDelaysMs?: readonly number[]): Promise<PowerApplied> {
  return withLockRetry(async () => {
    const current = await getVmStatus(target.node, target.vmid);
    // A `lock` property (backup, migration, snapshot) would fail the task: treat it as a lock error.
    if (current.lock) throw new ProxmoxError(409, `VM is locked (${current.lock})`);
    const wanted = expectedStatusAfter[target.action];
    if (target.action !== "reboot" && current.status === wanted) return { kind: "already" } as const;
    if (target.action === "reboot" && current.status !== "running") return { kind: "refused", error: "reboot asked for a stopped vm" } as const;
    return { kind: "task", upid: await vmPower(target.node, target.vmid, target.action) } as const;
  }, lockDelaysMs);
}

const TASK_OK = /^(OK|WARNINGS: \d+)$/;

/** Polls the task until it ends. A timeout throws (the caller retries and polls the same task). */
export async function waitForPowerTask(node: string, upid: Upid, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<PowerOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  let interval = options.intervalMs ?? 200;
  for (;;) {
    const task = await getTaskStatus(node, upid);
    if (task.status === "stopped") return { error: TASK_OK.test(task.exitstatus ?? "") ? null : `task failed: ${task.exitstatus ?? "no exit status"}` };
    if (Date.now() > deadline) throw new Error("power task still running at the deadline");
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, 2_000);
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
  const vmStatus = await syncVmStatus(target.vmId, target.node, target.vmid);
  const expected = expectedStatusAfter[target.action];
  const error = outcome.error ?? (vmStatus !== expected ? `expected ${expected} after ${target.action}, proxmox reports ${vmStatus}` : null);
  const status = error ? "failed" : "done";
  const { count } = await db.powerRequest.updateMany({ where: { id: target.powerRequestId, status: "running" }, data: { status, error, finishedAt: new Date() } });
  if (count === 1) {
    await recordAudit({ type: "system" }, status === "done" ? "vm.power_done" : "vm.power_failed", { type: "vm", id: target.vmId }, { powerRequestId: target.powerRequestId, action: target.action, vmStatus, ...(error ? { error } : {}) });
  }
  return { status, vmStatus };
}

/** Closes a request that cannot go on (bad target, refused, or retries exhausted). */
export async function failPowerRequest(powerRequestId: string, error: string): Promise<boolean> {
  const request = await db.powerRequest.findUnique({ where: { id: powerRequestId }, select: { vmId: true, action: true } });
  if (!request) return false;
  const { count } = await db.powerRequest.updateMany({ where: { id: powerRequestId, status: { in: ["pending", "running"] } }, data: { status: "failed", error, finishedAt: new Date() } });
  if (count === 1) await recordAudit({ type: "system" }, "vm.power_failed", { type: "vm", id: request.vmId }, { powerRequestId, action: request.action, error });
  return count === 1;
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
