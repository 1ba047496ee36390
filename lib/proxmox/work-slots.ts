// The limit on Proxmox work: at most PROVISION_CONCURRENCY requests-or-tasks in flight, across
// provisioning, compensation and power (and whatever else starts Proxmox work), counted from the
// request that starts a task to the end of that task.
//
// Why this holds where Inngest's step concurrency did not: a clone task keeps running after its
// "clone template" step returned, through "wait for clone" steps and the sleeps between them, and
// onFailure handlers have no concurrency setting at all. So the budget is not a property of steps
// but a row per slot in `proxmox_leases`:
// - a slot is a primary key in 0..limit-1, so two holders can never take the same slot, and a
//   holder is unique, so one holder (one VM's one operation) holds at most one slot;
// - a lease is taken before the request that starts work and released only once its holder saw
//   the task stop (or the synchronous request answer), so the count covers the whole task;
// - it lives in the database, so it survives restarts; a holder that dies (a cancelled run, a lost
//   process) stops renewing, and its lease lapses after PROXMOX_LEASE_TTL_MS (5 min).
// - a lapsed lease is NOT free while its task may still run. Inngest retries a step 15 s to 2 h
//   apart (+ up to 30 s; inngest/inngest pkg/backoff), far past the TTL, so a holder's attention can
//   lapse while its clone task runs on. Before a lapsed slot is reused its UPID is asked on Proxmox:
//   a task still running (or that cannot be asked) keeps the slot, renewed on its behalf; only a
//   stopped task frees it. A lease without a UPID lives within one step (take, start, record),
//   except when the start request's answer was lost: then it is held for the longest retry gap,
//   so the holder's retry finds it (and the task, by re-reading the machine) first.
// - the holder's own lease, lapsed or not, is resumed by its next try: no one can have taken the
//   slot while the row still names it.
import { db } from "@/lib/db";
import type { SaysStepRetry } from "@/lib/errors";
import { env } from "@/lib/env";
import { getTaskStatus, type TaskStatus, type Upid } from "@/lib/proxmox/api";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { LOCK_RETRY_DELAYS_MS, nodeOfUpid, pollTask, sleep, TaskFailedError, taskSucceeded, WaitTimeoutError, withLockRetry } from "@/lib/proxmox/tasks";

/** Real timing: the lease TTL, and Inngest's longest gap between two attempts of a step (2 h + 30 s). */
const REAL_LEASE_TTL_MS = 5 * 60_000;
const REAL_MAX_RETRY_GAP_MS = 2 * 3_600_000 + 30_000;
export const leaseTtlMs = () => env().PROXMOX_LEASE_TTL_MS;
/** Scaled with the TTL, so a test that shrinks time keeps the ratio. */
const unknownStartHoldMs = () => Math.ceil((leaseTtlMs() * REAL_MAX_RETRY_GAP_MS) / REAL_LEASE_TTL_MS);

/** No slot came free within the wait: not a failure, the caller pauses and asks again. */
export class ProxmoxBusyError extends Error implements SaysStepRetry {
  // Every slot taken: one frees within seconds to minutes, so the step is tried again soon.
  readonly stepRetry = "soon";
  constructor(readonly holder: string) {
    super(`all Proxmox work slots are busy (waiting: ${holder})`);
    this.name = "ProxmoxBusyError";
  }
}

export type Lease = { slot: number; upid: string | null };

const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Whether Proxmox says the task stopped. Anything else (running, unreachable) keeps its slot. */
async function taskStopped(upid: string): Promise<boolean> {
  try {
    return (await getTaskStatus(nodeOfUpid(upid), upid)).status === "stopped";
  } catch (error) {
    // Proxmox no longer knows the task (its node's log rotated): it cannot be running.
    return error instanceof ProxmoxError && /no such task/i.test(JSON.stringify(error.errors ?? {}) + error.message);
  }
}

/**
 * Lapsed leases whose task is confirmed stopped (their UPIDs); the ones whose task may still run
 * are renewed on the task's behalf, so they stay held.
 */
async function lapsedLeasesFree(): Promise<string[]> {
  const lapsed = await db.proxmoxLease.findMany({ where: { expiresAt: { lte: new Date() }, upid: { not: null } }, select: { slot: true, upid: true } });
  const stopped: string[] = [];
  for (const lease of lapsed) {
    if (await taskStopped(lease.upid!)) stopped.push(lease.upid!);
    else await db.proxmoxLease.updateMany({ where: { slot: lease.slot, upid: lease.upid }, data: { expiresAt: new Date(Date.now() + leaseTtlMs()) } });
  }
  return stopped;
}

/** One attempt: resume the holder's lease, or take a free slot (never one whose task may run). Null when full. */
async function tryAcquire(holder: string, limit: number): Promise<Lease | null> {
  const expires = at(leaseTtlMs());
  const [mine] = await db.$queryRaw<Lease[]>`
    UPDATE proxmox_leases SET expires_at = ${expires}::timestamp(3) WHERE holder = ${holder} RETURNING slot, upid`;
  if (mine) return mine;
  const stopped = await lapsedLeasesFree();
  const now = at(0);
  // A lease is held while live, or lapsed with a task not confirmed stopped just now. Counting held
  // leases keeps the limit exact when it was lowered while slots above it are held; the slot's
  // primary key is what makes two concurrent takers of one slot impossible.
  const [taken] = await db.$queryRaw<Lease[]>`
    INSERT INTO proxmox_leases (slot, holder, upid, acquired_at, expires_at)
    SELECT s, ${holder}, NULL, ${now}::timestamp(3), ${expires}::timestamp(3) FROM generate_series(0, ${limit - 1}::int) AS s
    WHERE NOT EXISTS (SELECT 1 FROM proxmox_leases l WHERE l.slot = s
        AND (l.expires_at > ${now}::timestamp(3) OR (l.upid IS NOT NULL AND NOT l.upid = ANY(${stopped}::text[]))))
      AND (SELECT count(*) FROM proxmox_leases l
        WHERE l.expires_at > ${now}::timestamp(3) OR (l.upid IS NOT NULL AND NOT l.upid = ANY(${stopped}::text[]))) < ${limit}
    ORDER BY s LIMIT 1
    ON CONFLICT (slot) DO UPDATE SET holder = EXCLUDED.holder, upid = NULL, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
      WHERE proxmox_leases.expires_at <= ${now}::timestamp(3)
        AND (proxmox_leases.upid IS NULL OR proxmox_leases.upid = ANY(${stopped}::text[]))
    RETURNING slot, upid`;
  return taken ?? null;
}

/**
 * The holder's slot: the one it holds already (renewed), or a free one, waiting up to `waitMs`
 * for one to come free. Throws ProxmoxBusyError after that.
 */
export async function acquireProxmoxSlot(holder: string, { waitMs = 20_000, limit = env().PROVISION_CONCURRENCY } = {}): Promise<Lease> {
  const deadline = Date.now() + waitMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    try {
      const lease = await tryAcquire(holder, limit);
      if (lease) return lease;
    } catch (error) {
      // Two tries of one holder at once: the unique holder index refused the second. Look again.
      if (!/unique|duplicate key/i.test(String((error as Error).message))) throw error;
    }
    if (Date.now() + pause > deadline) throw new ProxmoxBusyError(holder);
    await sleep(pause + Math.floor(Math.random() * pause));
  }
}

/** Notes the task the holder's request started, so a retried step polls it instead of starting another. */
export async function recordSlotTask(holder: string, upid: string): Promise<void> {
  await db.proxmoxLease.updateMany({ where: { holder }, data: { upid, expiresAt: new Date(Date.now() + leaseTtlMs()) } });
}

/** The task an earlier try of this holder started and is still waiting on, if any. */
export async function slotTask(holder: string): Promise<string | null> {
  return (await db.proxmoxLease.findUnique({ where: { holder }, select: { upid: true } }))?.upid ?? null;
}

export async function releaseProxmoxSlot(holder: string): Promise<void> {
  await db.proxmoxLease.deleteMany({ where: { holder } });
}

/**
 * The one way to name a lease taken for a VM: `vm:<vmId>:<operation>`, whatever runs it
 * (provisioning `clone`, billing `billing-stop`, a resize `resize:<rid>:disk`, a power request
 * `power:<rid>`, a snapshot `op:<oid>:snapshot`), so releaseVmSlots finds every one of them.
 */
export const vmSlotHolder = (vmId: string, operation: string) => `vm:${vmId}:${operation}`;

/**
 * Releases every slot held for the VM (its cleanup is done, nothing of it runs any more).
 *
 * Leases named before every name started with the VM (`resize:<rid>:…`, `power:<rid>`,
 * `op:<oid>:…`, `reconcile:<fid>:stop`) are not looked for: the only caller is the cleanup of a
 * VM whose build failed, and those runs only act on a VM that was built (running or stopped), so
 * none can hold one for it. A run that took one before a deploy and retries its step under the
 * new name leaves the old lease to lapse like any dead holder's: after PROXMOX_LEASE_TTL_MS, once
 * its task is confirmed stopped (tryAcquire), so the budget loses at most that slot for that time.
 */
export async function releaseVmSlots(vmId: string): Promise<number> {
  return (await db.proxmoxLease.deleteMany({ where: { holder: { startsWith: vmSlotHolder(vmId, "") } } })).count;
}

/** A synchronous Proxmox request (a config write): the slot is held for the request only. */
export async function withProxmoxSlot<T>(holder: string, work: () => Promise<T>, options?: { waitMs?: number }): Promise<T> {
  await acquireProxmoxSlot(holder, options);
  try {
    return await work();
  } finally {
    await releaseProxmoxSlot(holder);
  }
}

export type LeasedTaskResult = { state: "done"; task: TaskStatus | null } | { state: "running"; upid: Upid };

/**
 * One step's worth of a Proxmox task under the holder's slot: takes (or resumes) the lease, starts
 * the task unless an earlier try did (its UPID is on the lease), and polls it for up to `budgetMs`.
 * "running": the caller pauses and calls again; the lease stays, renewed. `start` re-reads the
 * machine and returns null when nothing needs doing. A failed task frees the slot and throws
 * TaskFailedError; when it failed on a config lock, calling again starts it afresh.
 */
export async function runLeasedTask(
  holder: string,
  what: string,
  start: () => Promise<Upid | null>,
  { budgetMs = 45_000, waitMs }: { budgetMs?: number; waitMs?: number } = {},
): Promise<LeasedTaskResult> {
  const lease = await acquireProxmoxSlot(holder, { waitMs });
  let upid = lease.upid;
  if (!upid) {
    try {
      upid = await withLockRetry(start);
    } catch (error) {
      // Proxmox refused: no task runs. A lost answer may hide one, so the slot stays until the
      // holder's next try can have come (Inngest's longest retry gap).
      if (error instanceof ProxmoxError) await releaseProxmoxSlot(holder);
      else await db.proxmoxLease.updateMany({ where: { holder, upid: null }, data: { expiresAt: new Date(Date.now() + unknownStartHoldMs()) } });
      throw error;
    }
    if (!upid) {
      await releaseProxmoxSlot(holder);
      return { state: "done", task: null };
    }
    await recordSlotTask(holder, upid);
  }
  const task = await pollTask(upid, Date.now() + budgetMs);
  if (!task) {
    await recordSlotTask(holder, upid); // renews
    return { state: "running", upid };
  }
  await releaseProxmoxSlot(holder);
  if (!taskSucceeded(task)) throw new TaskFailedError(what, task.exitstatus ?? "no exit status");
  return { state: "done", task };
}

/**
 * A short task run to its end within one step: resumed or started under the slot, polled, and
 * started again when it failed on a config lock (Proxmox reports those as the task's exit status).
 * Returns false when `start` found nothing to do.
 */
export async function runLeasedTaskToEnd(
  holder: string,
  what: string,
  start: () => Promise<Upid | null>,
  { timeoutMs = 5 * 60_000, tries = 4 } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      for (;;) {
        const result = await runLeasedTask(holder, what, start, { budgetMs: Math.max(1_000, deadline - Date.now()) });
        if (result.state === "done") return result.task !== null;
        if (Date.now() >= deadline) throw new WaitTimeoutError(`${what} (task ${result.upid})`);
      }
    } catch (error) {
      if (!(error instanceof TaskFailedError) || !error.isLock || attempt >= tries) throw error;
      await sleep(LOCK_RETRY_DELAYS_MS[Math.min(attempt - 1, LOCK_RETRY_DELAYS_MS.length - 1)]!);
    }
  }
}
