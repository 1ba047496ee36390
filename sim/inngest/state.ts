// What the executor remembers about events and runs, and the JSON views served at /_sim.
import type { FunctionDef } from "./registry";
import type { SlotRequest } from "./scheduler";
import type { InngestEvent, MemoEntry, SerializedError } from "./protocol";

export type RunStatus = "Queued" | "Running" | "Completed" | "Failed" | "Cancelled";
export type StepStatus = "running" | "completed" | "failed" | "errored" | "sleeping" | "waiting" | "invoking";

export interface StepRecord {
  /** Hashed id, as on the wire. */
  id: string;
  /** Userland id (`step.run("<this>")`, with `:n` for repeats). */
  name: string;
  displayName: string;
  op: string;
  type?: string;
  status: StepStatus;
  attempts: number;
  output?: unknown;
  error?: SerializedError;
  opts?: Record<string, unknown>;
  startedAt: string;
  endedAt?: string;
}

export interface Run {
  id: string;
  fn: FunctionDef;
  event: InngestEvent;
  eventId: string;
  trigger: "event" | "cron" | "invoke";
  status: RunStatus;
  queuedAt: number;
  startedAt?: number;
  endedAt?: number;
  output?: unknown;
  error?: SerializedError;
  cancelledBy?: string;
  /** SDK requests made for this run, including retries. */
  requests: number;
  steps: Map<string, StepRecord>;
  memo: Record<string, MemoEntry>;
  /** Bytes of state the run holds (its event and every memoized step), against the 32 MiB limit. */
  stateBytes: number;
  /** Hashed step ids in the order they completed (`ctx.stack.stack`). */
  stack: string[];
  /** Ops being worked on, so an op the SDK reports again is not started twice. */
  pending: Map<string, Promise<void>>;
  slots: SlotRequest[];
  /** Queue items (`ctx.qi_id`) of the SDK requests in flight; checkpoints must name one. */
  dispatches: Set<string>;
  abort: AbortController;
  disableImmediateExecution: boolean;
  version?: number;
  parentRunId?: string;
  singletonKey?: string;
  timers: NodeJS.Timeout[];
}

export interface EventRecord {
  internalId: string;
  event: InngestEvent;
  receivedAt: number;
  runIds: string[];
  /** Later sends with the same `id` within 24 h: counted here, stored once, trigger nothing. */
  duplicates: number;
  skipped: Array<{ functionId: string; reason: string }>;
  resumedRunIds: string[];
  cancelledRunIds: string[];
}

export const isActive = (run: Run) => run.status === "Queued" || run.status === "Running";

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function runView(run: Run) {
  return {
    id: run.id,
    functionId: run.fn.id,
    functionName: run.fn.name,
    appName: run.fn.appName,
    status: run.status,
    trigger: run.trigger,
    eventId: run.eventId,
    event: run.event,
    parentRunId: run.parentRunId,
    output: run.output,
    error: run.error,
    cancelledBy: run.cancelledBy,
    attempts: run.requests,
    queuedAt: iso(run.queuedAt),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    steps: [...run.steps.values()].map((s) => ({ ...s })),
  };
}

export type RunView = ReturnType<typeof runView>;

export function eventView(record: EventRecord) {
  return {
    internalId: record.internalId,
    ...record.event,
    receivedAt: iso(record.receivedAt),
    runIds: record.runIds,
    duplicates: record.duplicates,
    skipped: record.skipped,
    resumedRunIds: record.resumedRunIds,
    cancelledRunIds: record.cancelledRunIds,
  };
}

export type EventView = ReturnType<typeof eventView>;
