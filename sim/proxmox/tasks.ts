// PVE worker tasks: every long operation answers a UPID at once and does its work in the
// background; callers poll `/nodes/{node}/tasks/{upid}/status` until `stopped` + `exitstatus`.
import type { Concurrency } from "./activity";
import type { TaskFault } from "./faults";

export interface Task {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  status: "running" | "stopped";
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

export interface TaskSpec {
  node: string;
  type: string;
  id: string | number;
  user: string;
  /** null: runs until `stop()` (a console proxy lives as long as its viewer). */
  durationMs: number | null;
  fault?: TaskFault;
  /** Console proxies run for as long as a viewer is attached: not "work" for the counter. */
  countsInFlight?: boolean;
  /** The work, done when the task ends; a throw becomes the task's exitstatus, a returned string too ("WARNINGS: 1"). */
  run?: () => void | string;
  /** Runs as the worker starts (after its locks), e.g. a clone writing its temporary config. */
  begin?: () => void;
  /** Runs halfway through, e.g. a clone's config once the first disk is copied. */
  midway?: () => void;
  /** Undo after a failure (e.g. a failed clone removes the half-made VM). */
  onFail?: (message: string) => void;
  log?: string[];
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
const TASK_KEEP = 1000;

export function parseUpid(upid: string) {
  const m = /^UPID:([a-zA-Z0-9][a-zA-Z0-9.-]*):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(upid);
  return m ? { node: m[1], type: m[5], id: m[6], user: m[7] } : undefined;
}

export class Tasks {
  private tasks = new Map<string, Task>();
  private timers = new Map<NodeJS.Timeout, () => void>();
  private waiters = new Map<string, Array<(t: Task) => void>>();
  private pid = 100000 + Math.floor(Math.random() * 100000);

  constructor(private readonly concurrency: Concurrency) {}

  start(spec: TaskSpec): Task {
    const pid = ++this.pid;
    const starttime = Math.floor(Date.now() / 1000);
    const pstart = Math.floor(process.uptime() * 100) + 1000;
    const upid = `UPID:${spec.node}:${hex8(pid)}:${hex8(pstart)}:${hex8(starttime)}:${spec.type}:${spec.id}:${spec.user}:`;
    const task: Task = {
      upid,
      node: spec.node,
      pid,
      pstart,
      starttime,
      type: spec.type,
      id: String(spec.id),
      user: spec.user,
      status: "running",
      log: [...(spec.log ?? [])],
    };
    this.tasks.set(upid, task);
    this.prune();
    if (spec.durationMs === null) return task;
    const leave = spec.countsInFlight === false ? () => {} : (spec.fault?.slot?.take() ?? this.concurrency.enter());
    const delay = Math.max(0, spec.durationMs + (spec.fault?.extraMs ?? 0));
    if (!spec.fault?.lockFailure) spec.begin?.();
    if (spec.midway && !spec.fault?.lockFailure) {
      const half = setTimeout(() => {
        this.timers.delete(half);
        if (task.status === "running") spec.midway?.();
      }, delay / 2);
      this.timers.set(half, () => {});
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      leave();
      this.finish(task, spec);
    }, delay);
    this.timers.set(timer, leave);
    return task;
  }

  /** Ends a task that has no fixed duration (a console proxy whose viewer left). */
  stop(upid: string, exitstatus = "OK") {
    const task = this.tasks.get(upid);
    if (!task || task.status === "stopped") return;
    this.end(task, exitstatus);
  }

  private finish(task: Task, spec: TaskSpec) {
    if (task.status === "stopped") return;
    let exitstatus = "OK";
    try {
      if (spec.fault?.failWith) throw new Error(spec.fault.failWith);
      const result = spec.run?.();
      if (typeof result === "string") exitstatus = result;
    } catch (err) {
      exitstatus = (err as Error).message.trim();
      try {
        spec.onFail?.(exitstatus);
      } catch {
        // a failing undo must not keep the task running
      }
    }
    this.end(task, exitstatus);
  }

  private end(task: Task, exitstatus: string) {
    task.status = "stopped";
    task.exitstatus = exitstatus;
    task.endtime = Math.floor(Date.now() / 1000);
    task.log.push(exitstatus === "OK" ? "TASK OK" : `TASK ERROR: ${exitstatus}`);
    for (const resolve of this.waiters.get(task.upid) ?? []) resolve(task);
    this.waiters.delete(task.upid);
  }

  get(upid: string): Task | undefined {
    return this.tasks.get(upid);
  }

  list(): Task[] {
    return [...this.tasks.values()].reverse();
  }

  done(upid: string): Promise<Task> {
    const task = this.tasks.get(upid);
    if (!task || task.status === "stopped") return Promise.resolve(task!);
    return new Promise((resolve) => this.waiters.set(upid, [...(this.waiters.get(upid) ?? []), resolve]));
  }

  private prune() {
    if (this.tasks.size <= TASK_KEEP) return;
    for (const [upid, task] of this.tasks) {
      if (this.tasks.size <= TASK_KEEP) break;
      if (task.status === "stopped") this.tasks.delete(upid);
    }
  }

  clear() {
    for (const [timer, leave] of this.timers) {
      clearTimeout(timer);
      leave();
    }
    this.timers.clear();
    this.tasks.clear();
    this.waiters.clear();
  }
}
