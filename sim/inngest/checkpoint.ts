// `POST /v1/checkpoint/:runId/async`: inngest@4's async checkpointing, as the real executor
// takes it (inngest/inngest pkg/api/apiv1/checkpoint.go CheckpointAsyncSteps →
// pkg/execution/checkpoint checkpointAsyncSteps). While one SDK request runs several steps, the
// SDK posts each finished step here; the executor saves it to the run's state so the next
// request memoizes it. Only sync opcodes may be checkpointed; a step id already saved is
// ignored (first write wins, like state.ErrDuplicateResponse); a step output over 4 MiB or state
// over 32 MiB answers 413 (the SDK then answers with the step instead); a checkpoint from a
// request that is no longer in flight (its queue item ended) answers 409, which makes the SDK
// stop that execution (StaleDispatchError).
import type { Executor } from "./executor";
import { OpCode, toError, type Op } from "./protocol";
import { isActive } from "./state";
import { limitError, RUN_LIMITS } from "./limits";
import { memoize, record } from "./runner";

export interface CheckpointBody {
  run_id?: string;
  fn_id?: string;
  qi_id?: string;
  steps?: Op[];
}

export type CheckpointAnswer = { status: number; body: Record<string, unknown> };

const ASYNC_OPS = new Set<string>([OpCode.Sleep, OpCode.WaitForEvent, OpCode.WaitForSignal, OpCode.InvokeFunction, "AIGateway", "Gateway"]);
const IGNORED_OPS = new Set<string>([OpCode.StepPlanned, OpCode.DeferAdd, OpCode.DeferAbort]);

const fail = (status: number, message: string, runId?: string): CheckpointAnswer => ({
  status,
  body: { error: message, data: { run_id: runId }, status },
});

export function checkpointAsync(executor: Executor, runId: string, body: CheckpointBody): CheckpointAnswer {
  const run = executor.runs.get(runId);
  if (!run) return fail(404, "run not found", runId);
  if (body.fn_id !== run.fn.internalId) return fail(400, `fn_id ${body.fn_id} is not the run's function`, runId);
  if (!isActive(run) || !body.qi_id || !run.dispatches.has(body.qi_id)) return fail(409, "stale dispatch", runId);
  const steps = Array.isArray(body.steps) ? body.steps : [];
  if (steps.some((op) => ASYNC_OPS.has(op.op))) return fail(400, "cannot checkpoint async steps", runId);
  const unknown = steps.find((op) => op.op !== OpCode.StepRun && op.op !== OpCode.Step && !IGNORED_OPS.has(op.op));
  if (unknown) return fail(400, `cannot checkpoint opcode: ${unknown.op}`, runId);
  const saved = steps.filter((op) => (op.op === OpCode.StepRun || op.op === OpCode.Step) && !(op.id in run.memo));
  for (const op of saved) {
    const over = limitError(run, op.id, { data: op.data ?? null });
    if (over && over.name !== "InngestErrFunctionOverflowed") return fail(413, `step ${op.id} output too large: ${over.message}`, runId);
  }
  for (const op of saved) {
    record(executor, run, op, "running", 0);
    try {
      memoize(executor, run, op.id, { data: op.data ?? null });
    } catch {
      // The step limit failed the run (memoize said so); the SDK's next call finds it ended.
      return fail(409, `run ended: ${toError(run.error).message ?? `over ${RUN_LIMITS.maxSteps} steps`}`, runId);
    }
  }
  executor.checkpoints++;
  return { status: 200, body: {} };
}
