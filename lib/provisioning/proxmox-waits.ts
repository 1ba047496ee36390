// Waiting on Proxmox: worker tasks (polled by UPID), config locks, and calls that fail while a
// lock is held. Proxmox answers a busy config with "can't lock file … got timeout" or "VM is
// locked (…)"; both clear on their own, so they are retried with backoff before giving up.
import { getTaskStatus, getVmConfig, listClusterVms, type TaskStatus, type Upid } from "@/lib/proxmox/api";
import { isLockMessage, ProxmoxError } from "@/lib/proxmox/errors";
import { SshCommandError } from "@/lib/proxmox/ssh";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class WaitTimeoutError extends Error {
  constructor(what: string) {
    super(`timed out waiting for ${what}`);
    this.name = "WaitTimeoutError";
  }
}

/** Proxmox reports success as "OK", or "WARNINGS: n" for a task that finished with warnings. */
export const taskSucceeded = (task: TaskStatus) => task.exitstatus === "OK" || /^WARNINGS: \d+$/.test(task.exitstatus ?? "");

/** The node that runs a task is the second field of its UPID (UPID:node:pid:…). */
export const nodeOfUpid = (upid: Upid) => upid.split(":")[1] ?? "";

/** Polls until the task stops (quickly at first, then every 2 s). Returns null at `deadline`. */
export async function pollTask(upid: Upid, deadline: number): Promise<TaskStatus | null> {
  for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
    const task = await getTaskStatus(nodeOfUpid(upid), upid);
    if (task.status === "stopped") return task;
    if (Date.now() + pause > deadline) return null;
    await sleep(pause);
  }
}

/** Waits for a task and insists it succeeded; `what` names it in errors. */
export async function waitForTaskOk(upid: Upid, what: string, timeoutMs: number): Promise<void> {
  const task = await pollTask(upid, Date.now() + timeoutMs);
  if (!task) throw new WaitTimeoutError(`${what} (task ${upid})`);
  if (!taskSucceeded(task)) throw new Error(`${what} failed: ${task.exitstatus ?? "no exit status"}`);
}

/** Polls the config until no `lock` property is left. Returns false at `deadline`. */
export async function pollUnlocked(node: string, vmid: number, deadline: number): Promise<boolean> {
  for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
    const config = await getVmConfig(node, vmid);
    if (!config.lock) return true;
    if (Date.now() + pause > deadline) return false;
    await sleep(pause);
  }
}

export function isLockError(error: unknown): boolean {
  if (error instanceof ProxmoxError) return error.isLock;
  if (error instanceof SshCommandError) return isLockMessage(error.stderr);
  return false;
}

export type LockRetryOptions = { tries?: number; baseMs?: number };

/** Runs `call`, retrying lock errors with exponential backoff; anything else is thrown at once. */
export async function withLockRetry<T>(call: () => Promise<T>, { tries = 5, baseMs = 500 }: LockRetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isLockError(error) || attempt >= tries) throw error;
      await sleep(baseMs * 2 ** (attempt - 1));
    }
  }
}

/** The VM with this id anywhere in the cluster (qemu or LXC), or undefined. */
export async function findClusterVm(vmid: number) {
  return (await listClusterVms()).find((r) => Number(r.vmid) === vmid);
}

/** A disk line's size in GiB (`local-lvm:vm-100-disk-0,size=32G` → 32); undefined without one. */
export function diskSizeGb(line: string | number | undefined): number | undefined {
  const match = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(String(line ?? ""));
  if (!match) return undefined;
  const factor: Record<string, number> = { "": 1 / 1024 ** 3, K: 1 / 1024 ** 2, M: 1 / 1024, G: 1, T: 1024 };
  return Number(match[1]) * factor[match[2]!]!;
}
