// The one mapping from what a step threw to what Inngest should do about it: retry soon (a lock,
// a busy budget, a rate limit), retry with the function's backoff (5xx, network, timeouts), or
// stop at once (another try cannot fix it: our own bad request, bad stored input, a VMID held by
// someone else). It runs as client middleware (lib/jobs/client.ts) around every step of every
// function, so no function maps errors itself. Domain errors say what they are (a PermanentError,
// or their own `stepRetry`, lib/errors.ts), so this module names no domain class.
import { Middleware, NonRetriableError, RetryAfterError } from "inngest";
import { cloudflareRateLimitWaitMs } from "@/lib/access/cloudflare";
import { PermanentError, stepRetryOf, type StepRetry } from "@/lib/errors";

// Stripe's SDK names its error classes in `type`; these come back the same on every try.
const STRIPE_PERMANENT = new Set([
  "StripeInvalidRequestError",
  "StripeAuthenticationError",
  "StripePermissionError",
  "StripeIdempotencyError",
  "StripeCardError",
]);

export type StepErrorKind = StepRetry;

export function classifyStepError(error: unknown): StepErrorKind {
  if (error instanceof PermanentError) return "permanent";
  const own = stepRetryOf(error);
  if (own) return own;
  const stripeType = (error as { type?: unknown } | null)?.type;
  if (typeof stripeType === "string" && stripeType.startsWith("Stripe")) {
    if (stripeType === "StripeRateLimitError") return "soon";
    if (STRIPE_PERMANENT.has(stripeType)) return "permanent";
  }
  return "retry";
}

/** The error to throw from step `name`: its name leads the message, the cause is kept. */
export function toStepError(name: string, error: unknown): Error {
  // Already a decision for Inngest (a budget spent inside the step): keep it as it is.
  if (error instanceof NonRetriableError || error instanceof RetryAfterError) return error;
  const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
  // Cloudflare's rate limit says how long every call stays blocked: Inngest waits that long (the
  // client does not sleep it inside the step, lib/access/cloudflare.ts).
  const rateLimited = cloudflareRateLimitWaitMs(error);
  if (rateLimited !== null) return new RetryAfterError(message, Math.max(1_000, Math.ceil(rateLimited)), { cause: error });
  switch (classifyStepError(error)) {
    case "permanent":
      return new NonRetriableError(message, { cause: error });
    case "soon":
      return new RetryAfterError(message, "15s", { cause: error });
    default:
      return Object.assign(new Error(message), { cause: error });
  }
}

/**
 * Every step's handler (`step.run`, `step.sendEvent`, on every attempt) throws through
 * toStepError, named by the step's id: the one step-error path (issue 18).
 */
export class StepErrorMiddleware extends Middleware.BaseMiddleware {
  readonly id = "labvps-step-errors";

  async wrapStepHandler({ next, stepInfo }: Middleware.WrapStepHandlerArgs) {
    try {
      return await next();
    } catch (error) {
      throw toStepError(String(stepInfo.options.name ?? stepInfo.options.id), error);
    }
  }
}
