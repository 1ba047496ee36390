// Fault injection: a rule matches a method and a path regex (API path below /api2/json, or the
// command line for method "SSH") and changes what the next `times` matching calls get.

export type FaultKind = "lock" | "configLock" | "http500" | "slowTask" | "failTask" | "timeout" | "delay";
export const FAULT_KINDS: FaultKind[] = ["lock", "configLock", "http500", "slowTask", "failTask", "timeout", "delay"];

export interface FaultSpec {
  /** HTTP method, "SSH" for exec commands, or "*" (default). */
  method?: string;
  /** Regular expression tested against the path (e.g. `/qemu/\d+/clone$`) or the SSH command. */
  path: string;
  kind: FaultKind;
  /** http500: reason text; failTask: exitstatus text. */
  message?: string;
  /** lock: the lock name shown (default "backup"). */
  lock?: string;
  /** slowTask/delay/configLock: milliseconds. */
  ms?: number;
  /** How many matching calls it affects; unlimited when absent. */
  times?: number;
  /**
   * Active for this many milliseconds from its first hit, then spent: "the VM stays locked by a
   * backup for 8 s", whatever the caller's retry rhythm. Combines with `times` (whichever ends first).
   */
  forMs?: number;
}

export interface Fault extends FaultSpec {
  id: number;
  hits: number;
  remaining: number | null;
  /** Epoch ms when a `forMs` fault stops matching (set at its first hit). */
  activeUntil?: number;
}

export class Faults {
  private rules: Fault[] = [];
  private seq = 0;

  add(spec: FaultSpec): Fault {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind '${spec.kind}' (one of ${FAULT_KINDS.join(", ")})`);
    if (typeof spec.path !== "string") throw new Error("fault needs a path regex");
    new RegExp(spec.path);
    if (spec.forMs !== undefined && !(Number.isFinite(spec.forMs) && spec.forMs > 0)) throw new Error("forMs must be a positive number of milliseconds");
    const fault: Fault = { method: "*", ...spec, id: ++this.seq, hits: 0, remaining: spec.times ?? null };
    this.rules.push(fault);
    return fault;
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((f) => f.id !== id);
    return this.rules.length !== before;
  }

  clear() {
    this.rules = [];
  }

  list(): Fault[] {
    return this.rules.map((f) => ({ ...f }));
  }

  /** Consumes and returns every active rule matching this call. */
  take(method: string, path: string): Fault[] {
    const hit: Fault[] = [];
    const now = Date.now();
    for (const f of this.rules) {
      if (f.remaining === 0) continue;
      if (f.activeUntil !== undefined && now >= f.activeUntil) continue;
      if (f.method !== "*" && f.method?.toUpperCase() !== method.toUpperCase()) continue;
      if (!new RegExp(f.path).test(path)) continue;
      if (f.forMs !== undefined) f.activeUntil ??= now + f.forMs;
      f.hits++;
      if (f.remaining !== null) f.remaining--;
      hit.push({ ...f });
    }
    return hit;
  }
}

/** The part of matched faults that a task started by the call inherits. */
export interface TaskFault {
  extraMs: number;
  failWith?: string;
  /** failWith is a lock the worker could not take: it fails before doing (or writing) anything. */
  lockFailure?: boolean;
  /** The request's in-flight slot: the task it starts carries on with it, so one operation counts once. */
  slot?: { take(): (() => void) | undefined };
}

export function taskFaultOf(faults: Fault[]): TaskFault {
  const fail = faults.find((f) => f.kind === "failTask");
  return {
    extraMs: faults.filter((f) => f.kind === "slowTask").reduce((s, f) => s + (f.ms ?? 1000), 0),
    failWith: fail ? (fail.message ?? "injected task failure") : undefined,
  };
}
