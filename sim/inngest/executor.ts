// Events in, runs out: dedup, cancelOn, waitForEvent resumes, triggers, idempotency,
// singleton, timeouts, crons, and the internal events Inngest emits when runs end.
import { setMaxListeners } from "node:events";
import { evaluateKey, matches } from "./expr";
import { cronMatches } from "./cron";
import { InternalEvent, durationMs, seededUlids, ulid, type InngestEvent, type SerializedError } from "./protocol";
import { nameMatches, type FunctionDef, type Registry } from "./registry";
import { driveRun, type RunnerHost } from "./runner";
import { EventWaits, MinuteClock, SlotLimiter, type SlotRequest } from "./scheduler";
import { isActive, runView, type EventRecord, type Run, type RunView } from "./state";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ExecutorOptions {
  timeScale: number;
  stepConcurrency: number;
  /** Jitter source; Math.random by default. */
  random?: () => number;
  checkpointing: boolean;
  signingKey?: string;
}

export type IncomingEvent = { name: string; data?: Record<string, unknown>; id?: string; ts?: number; user?: unknown; v?: string };

function unlimitedListeners(signal: AbortSignal): AbortSignal {
  setMaxListeners(0, signal);
  return signal;
}

export class Executor implements RunnerHost {
  readonly limiter = new SlotLimiter();
  readonly waits = new EventWaits();
  readonly events: EventRecord[] = [];
  readonly runs = new Map<string, Run>();
  readonly timeScale: number;
  readonly random: () => number;
  readonly checkpointing: boolean;
  readonly signingKey?: string;
  /** Checkpoint posts accepted (checkpoint.ts), so tests can tell that path really ran. */
  checkpoints = 0;
  private readonly stepConcurrency: number;
  private readonly closer = new AbortController();
  // Every SDK request in flight listens here until it ends (callSdk removes it): as many at once as
  // runs are being stepped, which is more than EventTarget's default warning threshold of 10.
  readonly closing = unlimitedListeners(this.closer.signal);
  private seenEventIds = new Map<string, { internalId: string; at: number }>();
  private idempotencyKeys = new Map<string, number>();
  private listeners = new Set<() => void>();
  private clock = new MinuteClock();

  constructor(
    readonly registry: Registry,
    opts: ExecutorOptions,
  ) {
    this.timeScale = opts.timeScale;
    this.stepConcurrency = opts.stepConcurrency;
    this.random = opts.random ?? Math.random;
    this.checkpointing = opts.checkpointing;
    this.signingKey = opts.signingKey;
    this.clock.start((at) => this.tickCrons(at));
  }

  /** Accepts events as the events API does; returns their internal ids. */
  ingest(incoming: IncomingEvent[], seed?: string): string[] {
    const seeded = seededUlids(seed, incoming.length);
    return incoming.map((raw, i) => {
      const internalId = seeded?.[i] ?? ulid();
      const event: InngestEvent = {
        ...raw,
        name: raw.name,
        data: raw.data ?? {},
        id: raw.id || internalId,
        ts: raw.ts || Date.now(),
      };
      const dedupKey = raw.id ? `id:${raw.id}` : `ulid:${internalId}`;
      const seen = this.seenEventIds.get(dedupKey);
      if (seen && Date.now() - seen.at < DAY_MS) {
        const original = this.events.find((e) => e.internalId === seen.internalId);
        if (original) original.duplicates++;
        this.changed();
        return seen.internalId;
      }
      const record = newRecord(internalId, event);
      this.seenEventIds.set(dedupKey, { internalId, at: record.receivedAt });
      this.events.push(record);
      this.route(record);
      this.changed();
      return internalId;
    });
  }

  private route(record: EventRecord) {
    const { event } = record;
    for (const run of [...this.runs.values()]) {
      if (!isActive(run) || run.queuedAt > record.receivedAt) continue;
      const rule = run.fn.cancel.find((c) => {
        const within = !c.timeout || record.receivedAt - run.queuedAt <= (durationMs(c.timeout) ?? Infinity) * this.timeScale;
        return within && nameMatches(c.event, event.name) && matches(c.if, { event: run.event, async: event });
      });
      if (rule) {
        this.cancelRun(run, `event ${record.internalId} (${event.name})`);
        record.cancelledRunIds.push(run.id);
      }
    }
    record.resumedRunIds.push(...this.waits.offer(event));
    for (const fn of this.registry.triggeredBy(event)) {
      const run = this.createRun(fn, event, record, "event");
      if (run) record.runIds.push(run.id);
    }
  }

  /** Creates and starts a run unless idempotency or singleton says to skip it. */
  createRun(fn: FunctionDef, event: InngestEvent, record: EventRecord | undefined, trigger: Run["trigger"], parent?: Run): Run | undefined {
    const skip = (reason: string) => {
      record?.skipped.push({ functionId: fn.id, reason });
      return undefined;
    };
    if (fn.idempotency) {
      const key = `${fn.id}\u0000${evaluateKey(fn.idempotency, { event })}`;
      const at = this.idempotencyKeys.get(key);
      if (at !== undefined && Date.now() - at < DAY_MS) return skip(`idempotency key already used (${fn.idempotency})`);
      this.idempotencyKeys.set(key, Date.now());
    }
    const singletonKey = fn.singleton ? evaluateKey(fn.singleton.key ?? "'fn'", { event }) : undefined;
    if (fn.singleton) {
      const current = [...this.runs.values()].find((r) => r.fn.id === fn.id && isActive(r) && r.singletonKey === singletonKey);
      if (current && fn.singleton.mode === "skip") return skip(`singleton run ${current.id} in progress`);
      if (current) this.cancelRun(current, "singleton: replaced by a newer run");
    }
    const run: Run = {
      id: ulid(),
      fn,
      event,
      eventId: record?.internalId ?? event.id,
      trigger,
      status: "Queued",
      queuedAt: Date.now(),
      requests: 0,
      steps: new Map(),
      memo: {},
      stateBytes: Buffer.byteLength(JSON.stringify(event)),
      stack: [],
      pending: new Map(),
      slots: this.slotsFor(fn, event),
      dispatches: new Set(),
      abort: new AbortController(),
      disableImmediateExecution: false,
      parentRunId: parent?.id,
      singletonKey,
      timers: [],
    };
    this.runs.set(run.id, run);
    this.armTimeout(run, fn.timeouts?.start, "timeouts.start", () => run.status === "Queued");
    this.armTimeout(run, fn.timeouts?.finish, "timeouts.finish", () => true);
    this.changed();
    void driveRun(this, run);
    return run;
  }

  private slotsFor(fn: FunctionDef, event: InngestEvent): SlotRequest[] {
    const slots = fn.concurrency.map((rule) => {
      const value = rule.key ? evaluateKey(rule.key, { event }) : "";
      const key = rule.scope === "fn" ? `fn:${fn.id}:${rule.key ?? ""}:${value}` : `${rule.scope}:${rule.key ?? ""}:${value}`;
      return { key, limit: rule.limit };
    });
    return [...slots, { key: "sim:all-steps", limit: this.stepConcurrency }];
  }

  private armTimeout(run: Run, duration: string | undefined, what: string, applies: () => boolean) {
    const ms = durationMs(duration);
    if (ms === undefined) return;
    const timer = setTimeout(() => {
      if (isActive(run) && applies()) this.cancelRun(run, `${what} (${duration}) exceeded`);
    }, ms * this.timeScale);
    timer.unref?.();
    run.timers.push(timer);
  }

  markRunning(run: Run) {
    if (run.status !== "Queued") return;
    run.status = "Running";
    run.startedAt = Date.now();
    this.changed();
  }

  completeRun(run: Run, output: unknown) {
    if (!isActive(run)) return;
    run.output = output;
    this.end(run, "Completed");
    this.emitInternal(run, InternalEvent.FunctionFinished, { function_id: run.fn.id, run_id: run.id, result: output });
  }

  failRun(run: Run, error: SerializedError) {
    if (!isActive(run)) return;
    run.error = error;
    this.end(run, "Failed");
    // onFailure handlers are functions triggered by this event (`event.data.function_id == '<id>'`).
    this.emitInternal(run, InternalEvent.FunctionFailed, { function_id: run.fn.id, run_id: run.id, error, event: run.event });
    this.emitInternal(run, InternalEvent.FunctionFinished, { function_id: run.fn.id, run_id: run.id, error });
  }

  cancelRun(run: Run, reason: string, emit = true) {
    if (!isActive(run)) return false;
    run.cancelledBy = reason;
    this.end(run, "Cancelled");
    run.abort.abort();
    if (emit) this.emitInternal(run, InternalEvent.FunctionCancelled, { function_id: run.fn.id, run_id: run.id, event: run.event });
    return true;
  }

  private end(run: Run, status: Run["status"]) {
    run.status = status;
    run.endedAt = Date.now();
    run.timers.forEach(clearTimeout);
    for (const step of run.steps.values()) {
      if (["sleeping", "waiting", "invoking", "running"].includes(step.status) && status === "Cancelled") step.endedAt = new Date().toISOString();
    }
    this.changed();
  }

  private emitInternal(run: Run, name: string, data: Record<string, unknown>) {
    if (this.closing.aborted) return;
    this.ingest([{ name, data: run.parentRunId ? { ...data, correlation_id: run.parentRunId } : data }]);
  }

  invoke(fnId: string, event: InngestEvent, parent: Run): Run | undefined {
    const fn = this.registry.get(fnId);
    if (!fn) return undefined;
    const record = this.recordInternal(event);
    const run = this.createRun(fn, event, record, "invoke", parent);
    if (run) record.runIds.push(run.id);
    return run;
  }

  /** Starts the function's cron run now (what the clock does when the schedule matches). */
  fireCron(fnId: string, cron?: string): Run | undefined {
    const fn = this.registry.get(fnId);
    const expr = cron ?? fn?.crons[0]?.cron;
    if (!fn || !expr) return undefined;
    const event: InngestEvent = { name: InternalEvent.ScheduledTimer, data: { cron: expr }, id: ulid(), ts: Date.now() };
    const record = this.recordInternal(event);
    const run = this.createRun(fn, event, record, "cron");
    if (run) record.runIds.push(run.id);
    return run;
  }

  /** Cron and invoke events go to one function only, so they are recorded but not routed. */
  private recordInternal(event: InngestEvent): EventRecord {
    const record = newRecord(event.id, event);
    this.events.push(record);
    return record;
  }

  private tickCrons(at: Date) {
    for (const fn of this.registry.withCrons()) {
      for (const c of fn.crons) if (c.schedule && cronMatches(c.schedule, at)) this.fireCron(fn.id, c.cron);
    }
  }

  runEnded(runId: string, signal: AbortSignal): Promise<Run> {
    return this.waitFor(
      () => {
        const run = this.runs.get(runId);
        return run && !isActive(run) ? run : undefined;
      },
      undefined,
      signal,
    );
  }

  /** Resolves with the first truthy value `probe` returns as state changes. */
  waitFor<T>(probe: () => T | undefined, timeoutMs?: number, signal?: AbortSignal, describe?: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        this.listeners.delete(check);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const check = () => {
        const value = probe();
        if (value) {
          finish();
          resolve(value);
        }
      };
      const onAbort = () => {
        finish();
        reject(new Error("aborted"));
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          finish();
          reject(new Error(`inngest sim: timed out after ${timeoutMs} ms${describe ? `; ${describe()}` : ""}`));
        }, timeoutMs);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.listeners.add(check);
      check();
    });
  }

  views(): RunView[] {
    return [...this.runs.values()].map(runView);
  }

  changed() {
    for (const listener of [...this.listeners]) listener();
  }

  reset() {
    for (const run of this.runs.values()) this.cancelRun(run, "reset", false);
    this.runs.clear();
    this.events.length = 0;
    this.seenEventIds.clear();
    this.idempotencyKeys.clear();
    this.waits.clear();
    this.changed();
  }

  close() {
    this.clock.stop();
    this.closer.abort();
    for (const run of this.runs.values()) this.cancelRun(run, "executor closed", false);
  }
}

function newRecord(internalId: string, event: InngestEvent): EventRecord {
  return { internalId, event, receivedAt: Date.now(), runIds: [], duplicates: 0, skipped: [], resumedRunIds: [], cancelledRunIds: [] };
}
