// Inngest middleware (issue 22, Build 4): every request Inngest makes to /api/inngest runs in a
// log context with its run id and function, so each line a function writes says which run it
// belongs to; run durations and step failures feed the metrics. Registered on the one client
// (lib/jobs/client.ts).
import { Middleware } from "inngest";
import { withLogContext } from "@/lib/observability/log-context";
import { errorFields, log } from "@/lib/observability/log";
import { metrics } from "@/lib/observability/metrics";

const stepName = (info: Middleware.StepInfo) => String(info.options.name ?? info.options.id ?? info.stepType);

export class ObservabilityMiddleware extends Middleware.BaseMiddleware {
  readonly id = "labvps-observability";

  wrapRequest({ next, runId, fn }: Middleware.WrapRequestArgs) {
    return withLogContext({ runId, fn: fn?.id() }, () => next());
  }

  onStepError({ fn, stepInfo, error, isFinalAttempt }: Middleware.OnStepErrorArgs) {
    const step = stepName(stepInfo as Middleware.StepInfo);
    metrics().stepFailures.inc({ function: fn.id(), step, final: String(isFinalAttempt) });
    log("inngest").warn({ step, final: isFinalAttempt, ...errorFields(error) }, "step failed");
  }

  onRunComplete({ fn, ctx }: Middleware.OnRunCompleteArgs) {
    this.observeRun(fn.id(), ctx.event.ts, "completed");
    log("inngest").info({ eventId: ctx.event.id, eventName: ctx.event.name }, "run completed");
  }

  onRunError({ fn, ctx, error, isFinalAttempt }: Middleware.OnRunErrorArgs) {
    if (!isFinalAttempt) return;
    this.observeRun(fn.id(), ctx.event.ts, "failed");
    log("inngest").error(errorFields(error), "run failed");
  }

  private observeRun(fnId: string, eventTs: number | undefined, outcome: string) {
    if (typeof eventTs === "number") metrics().runSeconds.observe({ function: fnId, outcome }, Math.max(0, (Date.now() - eventTs) / 1000));
  }
}
