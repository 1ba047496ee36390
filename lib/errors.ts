// The product's domain errors, in one place. Domain code throws these; the one action wrapper
// (lib/actions/validated-action.ts), the one route wrapper (lib/http) and the one step-error
// mapping (lib/jobs/step-errors.ts) decide what each means to a form, an HTTP client or Inngest.

/** A domain error whose message is safe to show the user as is. */
export class UserFacingError extends Error {}

/** A domain error about one field (e.g. "email already taken"), thrown from lib/ code. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Not found, or not the caller's: both answer the same so ownership is never revealed (I5). */
export class NotFoundError extends UserFacingError {
  readonly status = 404;
  constructor(message = "Not found.") {
    super(message);
    this.name = "NotFoundError";
  }
}

/** Money is owed for the thing asked for: routes answer HTTP 402, actions show the message. */
export class PaymentRequiredError extends UserFacingError {
  readonly status = 402;
  constructor(message: string) {
    super(message);
    this.name = "PaymentRequiredError";
  }
}

/**
 * What another try of a failed background step can do: nothing ("permanent": the run stops at
 * once), succeed after a short pause ("soon": contention that clears by itself, a lock, a full
 * work budget), or perhaps succeed later ("retry": the function's backoff). The one step-error
 * mapping (lib/jobs/step-errors.ts) reads it from the error, so it names no domain class.
 */
export type StepRetry = "permanent" | "soon" | "retry";

/** An error whose kind depends on what happened (a lock text, a status code) says so itself. */
export type SaysStepRetry = { readonly stepRetry: StepRetry };

/** The error's own word on retrying, if it gives one. */
export function stepRetryOf(error: unknown): StepRetry | null {
  const said = error instanceof Error ? (error as Partial<SaysStepRetry>).stepRetry : undefined;
  return said === "permanent" || said === "soon" || said === "retry" ? said : null;
}

/**
 * A failure another try cannot fix (bad stored input, a halted provisioning, a request the
 * service refuses as malformed). Inngest stops at once instead of retrying (lib/jobs/step-errors.ts).
 */
export class PermanentError extends Error {}
