// The executor's per-run limits (inngest/inngest pkg/consts/consts.go DefaultMaxStepLimit,
// MaxStepOutputSize, DefaultMaxStateSizeLimit; executor.validateStateSize, GeneratorOpcode.Validate).
import type { MemoEntry, SerializedError } from "./protocol";
import type { Run } from "./state";

export const RUN_LIMITS = { maxSteps: 1_000, maxStepOutputBytes: 4 * 1024 * 1024, maxStateBytes: 32 * 1024 * 1024 } as const;

export const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "");

/**
 * The executor's per-run limits (inngest/inngest pkg/consts, executor.validateStateSize,
 * GeneratorOpcode.Validate): 1,000 steps, 4 MiB per step output, 32 MiB of state. Crossing one
 * fails the run for good, with Inngest's error names and messages.
 */
export function limitError(run: Run, id: string, entry: MemoEntry): SerializedError | undefined {
  if (!(id in run.memo) && Object.keys(run.memo).length >= RUN_LIMITS.maxSteps)
    return { name: "InngestErrFunctionOverflowed", message: `The function run exceeded the step limit of ${RUN_LIMITS.maxSteps} steps.` };
  const size = sizeOf(entry);
  if ("data" in entry && size > RUN_LIMITS.maxStepOutputBytes) return { name: "StepOutputTooLarge", message: "step output size is greater than the limit" };
  if (run.stateBytes + size > RUN_LIMITS.maxStateBytes)
    return { name: "InngestErrStateOverflowed", message: `The function run exceeded the state size limit of ${RUN_LIMITS.maxStateBytes} bytes.` };
  return undefined;
}
