// Drives one run against the SDK: discovery requests (`stepId=step`), then whatever ops the
// SDK answers with, until it answers 200 (done) or a final error. Mirrors the Inngest
// executor: each planned step is its own request with its own attempt counter, a step that
// keeps failing is memoized as an error for the function to handle, sleeps and waits hold no
// concurrency slot.
import { matches } from "./expr";
import { OpCode, InternalEvent, callSdk, durationMs, hashStepId, toError, ulid } from "./protocol";
import type { CallResult, InngestEvent, MemoEntry, Op, SdkResult, SerializedError } from "./protocol";
import type { Registry } from "./registry";
import { retryDelayMs } from "./backoff";
import { limitError, sizeOf } from "./limits";
import { Cancelled, delay, type EventWaits, type SlotLimiter } from "./scheduler";
import type { Run, StepRecord } from "./state";

export interface RunnerHost {
  registry: Registry;
  limiter: SlotLimiter;
  waits: EventWaits;
  timeScale: number;
  /** Send `ctx.fn_id`/`qi_id` so the SDK checkpoints (checkpoint.ts), as the real executor does. */
  checkpointing: boolean;
  /** Sign every request to the SDK (production mode); unset, requests go unsigned as from `inngest dev`. */
  signingKey?: string;
  /** Random number in [0, 1) for backoff jitter (Math.random unless a test pins it). */
  random(): number;
  closing: AbortSignal;
  markRunning(run: Run): void;
  completeRun(run: Run, output: unknown): void;
  failRun(run: Run, error: SerializedError): void;
  invoke(fnId: string, event: InngestEvent, parent: Run): Run | undefined;
  runEnded(runId: string, signal: AbortSignal): Promise<Run>;
  changed(): void;
}

/** Thrown inside a run once it reached a final state, to unwind pending work. */
export class Finished extends Error {}

const COMPLETE_ID = hashStepId("complete");

export async function driveRun(host: RunnerHost, run: Run): Promise<void> {
  try {
    await discover(host, run);
  } catch (err) {
    if (err instanceof Cancelled || err instanceof Finished || run.status !== "Running") return;
    host.failRun(run, toError(err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : err));
  }
}

const maxAttempts = (run: Run) => run.fn.retries + 1;

async function discover(host: RunnerHost, run: Run) {
  let attempt = 0;
  for (;;) {
    const { result } = await request(host, run, "step", attempt);
    if (result.kind === "done") return host.completeRun(run, result.data);
    const failure = result.kind === "error" ? result : terminalOp(result);
    if (failure) {
      if (failure.retriable && attempt + 1 < maxAttempts(run)) {
        await backoff(host, run, attempt++, failure.retryAfterMs);
        continue;
      }
      return host.failRun(run, failure.error);
    }
    if (result.kind !== "ops") continue;
    const done = result.ops.find((op) => op.op === OpCode.RunComplete);
    if (done) return host.completeRun(run, done.data ?? null);
    await handleOps(host, run, result, attempt);
    attempt = 0;
  }
}

/** With lazy ops (defer) the SDK reports the function's own end as an op on id "complete". */
function terminalOp(result: SdkResult) {
  if (result.kind !== "ops") return undefined;
  const op = result.ops.find((o) => o.id === COMPLETE_ID && (o.op === OpCode.StepError || o.op === OpCode.StepFailed));
  if (!op) return undefined;
  return { error: toError(op.error), retriable: op.op === OpCode.StepError, retryAfterMs: undefined };
}

async function handleOps(host: RunnerHost, run: Run, { ops, retryAfterMs }: { ops: Op[]; retryAfterMs?: number }, attempt: number) {
  // Like the real executor: once the SDK reports parallel work, it must not run steps inline.
  if (ops.length > 1) run.disableImmediateExecution = true;
  let started = 0;
  for (const op of ops) {
    if (run.pending.has(op.id) || op.id in run.memo) continue;
    started++;
    const work = handleOp(host, run, op, attempt, retryAfterMs).finally(() => run.pending.delete(op.id));
    work.catch(() => {});
    run.pending.set(op.id, work);
  }
  const pending = [...run.pending.values()];
  if (!pending.length && !started) throw new Error(`the SDK reported no new work: ${JSON.stringify(ops).slice(0, 300)}`);
  // `group.parallel({ mode: "race" })` wants the function back as soon as one branch ends.
  const race = ops.some((op) => op.opts?.parallelMode === "race");
  await (race ? Promise.race(pending) : Promise.all(pending));
}

async function handleOp(host: RunnerHost, run: Run, op: Op, attempt: number, retryAfterMs?: number): Promise<void> {
  switch (op.op) {
    case OpCode.StepRun:
    case OpCode.Step:
      record(host, run, op, "running", attempt);
      return memoize(host, run, op.id, { data: op.data ?? null });
    case OpCode.StepFailed:
      record(host, run, op, "running", attempt);
      return memoize(host, run, op.id, { error: toError(op.error) });
    case OpCode.StepError:
      record(host, run, op, "errored", attempt, toError(op.error));
      if (attempt + 1 >= maxAttempts(run)) return memoize(host, run, op.id, { error: toError(op.error) });
      return executeStep(host, run, op, attempt + 1, retryAfterMs);
    case OpCode.StepPlanned:
      return executeStep(host, run, op, 0);
    case OpCode.Sleep:
      return sleep(host, run, op);
    case OpCode.WaitForEvent:
      return waitForEvent(host, run, op);
    case OpCode.InvokeFunction:
      return invoke(host, run, op);
    case OpCode.WaitForSignal:
    case "AIGateway":
    case "Gateway":
      record(host, run, op, "running", 0);
      return memoize(host, run, op.id, { error: { name: "Error", message: `${op.op} is not supported by the local Inngest stand-in` } });
    default:
      // DeferAdd/DeferAbort/DiscoveryRequest/StepNotFound carry nothing to memoize.
      return;
  }
}

async function executeStep(host: RunnerHost, run: Run, op: Op, firstAttempt: number, firstRetryAfterMs?: number) {
  let wait = firstAttempt > 0 ? { attempt: firstAttempt - 1, retryAfterMs: firstRetryAfterMs } : undefined;
  for (let attempt = firstAttempt; ; attempt++) {
    if (wait) await backoff(host, run, wait.attempt, wait.retryAfterMs);
    const step = record(host, run, op, "running", attempt);
    const { result } = await request(host, run, op.id, attempt);
    if (result.kind === "done") {
      host.completeRun(run, result.data);
      throw new Finished();
    }
    const answer = result.kind === "ops" ? (result.ops.find((o) => o.id === op.id) ?? result.ops[0]) : undefined;
    if (answer?.op === OpCode.StepRun || answer?.op === OpCode.Step) return memoize(host, run, op.id, { data: answer.data ?? null });
    if (answer?.op === OpCode.StepFailed) return memoize(host, run, op.id, { error: toError(answer.error) });
    const error =
      answer?.op === OpCode.StepError ? toError(answer.error) : result.kind === "error" ? result.error : toError(`unexpected answer to step ${op.id}`);
    const retriable = result.kind === "error" ? result.retriable : !(result.kind === "ops" && result.noRetry);
    step.status = "errored";
    step.error = error;
    host.changed();
    if (retriable && attempt + 1 < maxAttempts(run)) {
      wait = { attempt, retryAfterMs: result.kind === "ops" || result.kind === "error" ? result.retryAfterMs : undefined };
      continue;
    }
    if (answer?.op === OpCode.StepError) return memoize(host, run, op.id, { error });
    // The SDK could not run the step at all (e.g. step not found): the run fails, as in Inngest.
    host.failRun(run, error);
    throw new Finished();
  }
}

async function sleep(host: RunnerHost, run: Run, op: Op) {
  const step = record(host, run, op, "sleeping", 0);
  const ms = durationMs(op.name) ?? durationMs(op.opts?.duration);
  if (ms === undefined) return memoize(host, run, op.id, { error: { name: "Error", message: `invalid sleep duration "${op.name}"` } });
  step.opts = { ...step.opts, duration: op.name, wakeAt: new Date(Date.now() + ms * host.timeScale).toISOString() };
  await delay(ms * host.timeScale, run.abort.signal);
  return memoize(host, run, op.id, { data: null });
}

async function waitForEvent(host: RunnerHost, run: Run, op: Op) {
  record(host, run, op, "waiting", 0);
  const name = String(op.opts?.event ?? op.name);
  const condition = typeof op.opts?.if === "string" ? op.opts.if : undefined;
  const timeoutMs = durationMs(op.opts?.timeout);
  const local = linkedController(run.abort.signal);
  const matched = await new Promise<InngestEvent | null>((resolve, reject) => {
    const remove = host.waits.add({
      runId: run.id,
      name,
      accept: (event) => matches(condition, { event: run.event, async: event }),
      resolve: (event) => {
        local.abort();
        resolve(event);
      },
    });
    const timeout = timeoutMs === undefined ? new Promise<void>(() => {}) : delay(timeoutMs * host.timeScale, local.signal);
    const stop = new Promise<void>((_, rej) => local.signal.addEventListener("abort", () => rej(new Cancelled()), { once: true }));
    Promise.race([timeout, stop]).then(
      () => {
        remove();
        resolve(null);
        local.abort();
      },
      (err) => {
        remove();
        if (run.abort.signal.aborted) reject(err);
      },
    );
  });
  return memoize(host, run, op.id, { data: matched });
}

async function invoke(host: RunnerHost, run: Run, op: Op) {
  record(host, run, op, "invoking", 0);
  const opts = (op.opts ?? {}) as { function_id?: string; payload?: { data?: Record<string, unknown>; v?: string }; timeout?: string };
  const event: InngestEvent = {
    name: InternalEvent.FunctionInvoked,
    data: { ...(opts.payload?.data ?? {}), _inngest: { source_app_id: run.fn.appName, source_fn_id: run.fn.id, source_run_id: run.id } },
    id: ulid(),
    ts: Date.now(),
    ...(opts.payload?.v ? { v: opts.payload.v } : {}),
  };
  const child = host.invoke(String(opts.function_id), event, run);
  if (!child) return memoize(host, run, op.id, { error: { name: "Error", message: `could not find function "${opts.function_id}" to invoke` } });
  const local = linkedController(run.abort.signal);
  const timeoutMs = durationMs(opts.timeout);
  const timedOut = Symbol("timeout");
  const ended = await Promise.race([
    host.runEnded(child.id, local.signal),
    ...(timeoutMs === undefined ? [] : [delay(timeoutMs * host.timeScale, local.signal).then(() => timedOut)]),
  ]).finally(() => local.abort());
  if (ended === timedOut)
    return memoize(host, run, op.id, { error: { name: "InngestInvokeTimeoutError", message: "Timed out waiting for invoked function to complete" } });
  const result = ended as Run;
  if (result.status === "Completed") return memoize(host, run, op.id, { data: result.output ?? null });
  return memoize(host, run, op.id, { error: result.error ?? { name: "Error", message: `invoked run ${result.status.toLowerCase()}` } });
}

async function request(host: RunnerHost, run: Run, stepId: string, attempt: number): Promise<CallResult> {
  const release = await host.limiter.acquire(run.slots, run.abort.signal);
  let res: CallResult;
  // The queue item this request works on: a checkpoint naming one that ended is stale (409).
  const dispatch = ulid();
  run.dispatches.add(dispatch);
  try {
    if (run.abort.signal.aborted) throw new Cancelled();
    host.markRunning(run);
    run.requests++;
    const url = new URL(run.fn.url);
    url.searchParams.set("stepId", stepId);
    res = await callSdk(
      url.href,
      {
        event: run.event,
        events: [run.event],
        steps: run.memo,
        ctx: {
          ...(host.checkpointing ? { fn_id: run.fn.internalId, qi_id: dispatch } : {}),
          run_id: run.id,
          attempt,
          max_attempts: maxAttempts(run),
          disable_immediate_execution: run.disableImmediateExecution,
          use_api: false,
          stack: { stack: run.stack, current: Math.max(0, run.stack.length - 1) },
        },
        version: run.version ?? -1,
      },
      host.closing,
      host.signingKey,
    );
  } finally {
    run.dispatches.delete(dispatch);
    release();
  }
  if (run.abort.signal.aborted || run.status !== "Running") throw new Cancelled();
  if (res.version) run.version = res.version;
  return res;
}

function backoff(host: RunnerHost, run: Run, attempt: number, retryAfterMs?: number) {
  const ms = retryAfterMs ?? retryDelayMs(attempt, host.random());
  return delay(ms * host.timeScale, run.abort.signal);
}

export function record(host: RunnerHost, run: Run, op: Op, status: StepRecord["status"], attempt: number, error?: SerializedError): StepRecord {
  let step = run.steps.get(op.id);
  if (!step) {
    step = {
      id: op.id,
      name: op.userland?.id ?? op.name ?? op.id,
      displayName: op.displayName ?? op.userland?.id ?? op.name ?? op.id,
      op: op.op === OpCode.StepPlanned || op.op === OpCode.StepError || op.op === OpCode.StepFailed ? OpCode.StepRun : op.op,
      type: typeof op.opts?.type === "string" ? op.opts.type : undefined,
      status,
      attempts: 0,
      opts: op.opts && Object.keys(op.opts).length ? { ...op.opts } : undefined,
      startedAt: new Date().toISOString(),
    };
    if (op.op === OpCode.WaitForEvent) step.opts = { ...step.opts, event: op.name };
    run.steps.set(op.id, step);
  }
  step.status = status;
  step.attempts = Math.max(step.attempts, attempt + 1);
  if (error) step.error = error;
  host.changed();
  return step;
}

export function memoize(host: RunnerHost, run: Run, id: string, entry: MemoEntry) {
  if (run.status !== "Running") throw new Finished();
  const overLimit = limitError(run, id, entry);
  if (overLimit) {
    host.failRun(run, overLimit);
    throw new Finished();
  }
  run.stateBytes += sizeOf(entry);
  run.memo[id] = entry;
  run.stack.push(id);
  const step = run.steps.get(id);
  if (step) {
    step.endedAt = new Date().toISOString();
    if ("error" in entry) {
      step.status = "failed";
      step.error = entry.error as SerializedError;
    } else {
      step.status = "completed";
      step.output = entry.data;
      step.error = undefined;
    }
  }
  host.changed();
}

function linkedController(parent: AbortSignal): AbortController {
  const local = new AbortController();
  if (parent.aborted) local.abort();
  else parent.addEventListener("abort", () => local.abort(), { once: true });
  return local;
}
