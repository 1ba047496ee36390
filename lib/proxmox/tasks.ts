// The one place that knows how Proxmox work ends: which errors are config locks (and clear on their
// own), how a worker task is polled by its UPID, and what counts as a task that succeeded.
// Provisioning, compensation and power all use these, so they agree on delays and on what a lock is.
import { getTaskStatus, listClusterVms, type TaskStatus, type Upid } from "@/lib/proxmox/api";
import { isLockMessage, ProxmoxError } from "@/lib/proxmox/errors";
import type { SaysStepRetry, StepRetry } from "@/lib/errors";
import { SshCommandError } from "@/lib/proxmox/ssh";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class WaitTimeoutError extends Error {
  constructor(what: string) {
    super(`timed out waiting for ${what}`);
    this.name = "WaitTimeoutError";
  }
}

/** A task that ended with an exit status other than success; `status` is Proxmox's text. */
export class TaskFailedError extends Error implements SaysStepRetry {
  constructor(
    readonly what: string,
    readonly exitstatus: string,
  ) {
    super(`${what} failed: ${exitstatus}`);
    this.name = "TaskFailedError";
  }

  /** The task lost a race for the config lock (it undid itself): running it again is safe. */
  get isLock(): boolean {
    return isLockMessage(this.exitstatus);
  }

  get stepRetry(): StepRetry {
    return this.isLock ? "soon" : "retry";
  }
}

/** Proxmox reports success as "OK", or "WARNINGS: n" for a task that finished with warnings. */
export const taskSucceeded = (task: Pick<TaskStatus, "exitstatus"> & Partial<TaskStatus>) =>
  task.exitstatus === "OK" || /^WARNINGS: \d+$/.test(task.exitstatus ?? "");

/** The node that runs a task is the second field of its UPID (UPID:node:pid:…). */
export const nodeOfUpid = (upid: Upid) => upid.split(":")[1] ?? "";

/**
 * A config lock, wherever it shows: an API answer, `qm` over SSH, or a task's exit status
 * (since PVE moved clone/resize/power work into tasks, lock errors arrive there: qemu-server
 * `QemuServer::Helpers` lock_config → "can't lock file … got timeout").
 */
export function isLockError(error: unknown): boolean {
  if (error instanceof ProxmoxError || error instanceof TaskFailedError) return error.isLock;
  if (error instanceof SshCommandError) return isLockMessage(error.stderr);
  return false;
}

/** The in-step backoff for lock errors; longer locks surface to the caller, whose step retries. */
export const LOCK_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1_000, 2_000, 4_000];

/** Runs `call`, retrying lock errors after each delay in turn; anything else is thrown at once. */
export async function withLockRetry<T>(call: () => Promise<T>, delaysMs: readonly number[] = LOCK_RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isLockError(error) || attempt >= delaysMs.length) throw error;
      await sleep(delaysMs[attempt]!);
    }
  }
}

/**
 * The one polling loop: asks `look` until it returns something other than undefined, quickly at
 * first (`firstPauseMs`, doubling up to `maxPauseMs`); undefined once the next pause would pass
 * `deadline`. Here, not in machine.ts, because machine.ts builds on this module and on
 * work-slots.ts, which poll tasks with it.
 */
export async function pollUntil<T>(
  look: () => Promise<T | undefined>,
  deadline: number,
  { firstPauseMs = 100, maxPauseMs = 2_000 }: { firstPauseMs?: number; maxPauseMs?: number } = {},
): Promise<T | undefined> {
  for (let pause = firstPauseMs; ; pause = Math.min(pause * 2, maxPauseMs)) {
    const found = await look();
    if (found !== undefined) return found;
    if (Date.now() + pause > deadline) return undefined;
    await sleep(pause);
  }
}

/** Polls until the task stops (quickly at first, then every 2 s). Returns null at `deadline`. */
export async function pollTask(upid: Upid, deadline: number): Promise<TaskStatus | null> {
  const stopped = async () => {
    const task = await getTaskStatus(nodeOfUpid(upid), upid);
    return task.status === "stopped" ? task : undefined;
  };
  return (await pollUntil(stopped, deadline)) ?? null;
}

/** Waits for a task and insists it succeeded (TaskFailedError otherwise); `what` names it. */
export async function waitForTaskOk(upid: Upid, what: string, timeoutMs: number): Promise<void> {
  const task = await pollTask(upid, Date.now() + timeoutMs);
  if (!task) throw new WaitTimeoutError(`${what} (task ${upid})`);
  if (!taskSucceeded(task)) throw new TaskFailedError(what, task.exitstatus ?? "no exit status");
}

/** The guest with this id anywhere in the cluster (qemu or LXC), or undefined. */
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
