// Registration checks the way the real executor runs them before it saves anything
// (inngest/inngest: pkg/registration/process.go → sdk.SDKFunction.Function() and
// inngest.Function.Validate; pkg/inngest/trigger.go, concurrency.go, consts/consts.go). One
// invalid function rejects the WHOLE sync: the dev server answers 400
// `{"error":"At least one function is invalid","status":400}` and keeps the app's error
// (hashicorp/multierror text) on the app, so nothing from that sync is registered.
import { CronError, parseCron } from "./cron";
import { evaluate, ExpressionError } from "./expr";
import { durationMs } from "./protocol";

/** pkg/consts/consts.go */
export const LIMITS = {
  maxTriggers: 10,
  maxConcurrencyLimits: 2,
  maxCancellations: 5,
  maxCronLength: 255,
  maxEventNameLength: 255,
  minDebounceMs: 1_000,
  maxDebounceMs: 7 * 24 * 3_600_000,
  rateLimitMaxPeriodMs: 24 * 3_600_000,
  maxCronJitterMs: 5 * 60_000,
  minCronJitterMs: 1_000,
} as const;

export const INVALID_SYNC_MESSAGE = "At least one function is invalid";

// The SDK's registration body is loosely typed JSON; every field is checked here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any>;

/** The errors one function's config earns, in the executor's words. Empty when valid. */
export function validateFunction(fn: Raw): string[] {
  const errors: string[] = [];
  const name = typeof fn.name === "string" && fn.name ? fn.name : typeof fn.id === "string" ? fn.id : "";
  if (!name) errors.push("A function name is required");
  errors.push(...validateConcurrency(fn.concurrency));
  errors.push(...validateTriggers(Array.isArray(fn.triggers) ? fn.triggers : []));
  if (fn.batchEvents) {
    if (Array.isArray(fn.cancel) && fn.cancel.length) errors.push("Batching and cancellation are mutually exclusive");
    if (fn.debounce) errors.push("Batching and debouncing are mutually exclusive");
    if (fn.singleton) errors.push("Batching and singletons are mutually exclusive");
  }
  const steps = Object.values(fn.steps ?? {}) as Raw[];
  if (steps.length !== 1) errors.push("Functions must contain one step");
  for (const step of steps) {
    const url = step?.runtime?.url;
    if (typeof url !== "string") errors.push(`No SDK URL provided for function '${name}'`);
    else if (!/^(https?|wss?):/.test(url)) errors.push(`Non-supported step schema: ${url.split(":")[0]}`);
  }
  const cancel: Raw[] = Array.isArray(fn.cancel) ? fn.cancel : [];
  for (const c of cancel) {
    const bad = typeof c.if === "string" ? expressionError(c.if) : undefined;
    if (bad) errors.push(`Cancellation expression is invalid: ${bad}`);
  }
  if (cancel.length > LIMITS.maxCancellations) errors.push(`This function exceeds the max number of cancellation events: ${LIMITS.maxCancellations}`);
  if (fn.debounce) errors.push(...validateDebounce(fn.debounce));
  if (fn.throttle) errors.push(...validateThrottle(fn.throttle));
  // `idempotency` registers as a rate limit of 1 per 24 h keyed by it (sdk/function.go).
  const rateLimit = fn.rateLimit ?? (typeof fn.idempotency === "string" ? { limit: 1, period: "24h", key: fn.idempotency } : undefined);
  if (rateLimit) errors.push(...validateRateLimit(rateLimit));
  return errors;
}

function validateTriggers(triggers: Raw[]): string[] {
  const errors: string[] = [];
  if (triggers.length > LIMITS.maxTriggers) errors.push(`This function exceeds the max number of triggers: ${LIMITS.maxTriggers}`);
  const seen = new Set<string>();
  const crons = new Set<string>();
  for (const t of triggers) {
    const key = JSON.stringify(t);
    const label = typeof t.event === "string" ? `event: ${t.event}` : typeof t.cron === "string" ? `cron: ${t.cron}` : "Unknown";
    if (seen.has(key)) errors.push(`duplicate trigger ${label}`);
    seen.add(key);
    if (typeof t.cron === "string") {
      if (crons.has(t.cron)) errors.push(`duplicate cron expression: ${t.cron}`);
      crons.add(t.cron);
    }
    const hasEvent = t.event !== undefined;
    const hasCron = t.cron !== undefined;
    if (!hasEvent && !hasCron) errors.push("A trigger must supply an event name or a cron schedule");
    else if (hasEvent && hasCron) errors.push("A trigger cannot have both an event and a cron trigger");
    else if (hasEvent) {
      if (!t.event) errors.push("An event trigger must specify an event name");
      const bad = typeof t.expression === "string" ? expressionError(t.expression) : undefined;
      if (bad) errors.push(`invalid trigger expression on '${t.event}': ${bad}`);
      if (String(t.event).length > LIMITS.maxEventNameLength) errors.push(`event name is too long. maximum length is ${LIMITS.maxEventNameLength} characters`);
    } else {
      errors.push(...validateCron(String(t.cron), t.jitter));
    }
  }
  return errors;
}

function validateCron(cron: string, jitter: unknown): string[] {
  const errors: string[] = [];
  try {
    parseCron(cron);
  } catch (error) {
    if (!(error instanceof CronError)) throw error;
    errors.push(`'${cron}' isn't a valid cron schedule`);
  }
  if (typeof jitter === "string" && jitter.trim()) {
    const ms = durationMs(jitter);
    if (ms === undefined) errors.push(`'${jitter}' isn't a valid jitter duration`);
    else if (ms > 0 && ms < LIMITS.minCronJitterMs) errors.push("cron jitter must be at least 1s");
    else if (ms > LIMITS.maxCronJitterMs) errors.push("cron jitter must be less than or equal to 5m0s");
  }
  if (cron.length > LIMITS.maxCronLength) errors.push(`cron is too long. maximum length is ${LIMITS.maxCronLength} characters`);
  return errors;
}

function validateConcurrency(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list: Raw[] = typeof value === "number" ? [{ limit: value }] : Array.isArray(value) ? value : [value as Raw];
  if (list.length > LIMITS.maxConcurrencyLimits) return [`There are more concurrency limits specified than the allowed max of: ${LIMITS.maxConcurrencyLimits}`];
  for (const c of list) {
    const scope = c.scope ?? "fn";
    if (!["fn", "env", "account"].includes(scope)) return [`Invalid concurrency scope '${scope}'`];
    if (scope !== "fn" && typeof c.key !== "string") return [`A concurrency key must be specified for ${scope} scoped limits`];
    const bad = typeof c.key === "string" ? expressionError(c.key) : undefined;
    if (bad) return [`Invalid concurrency key '${c.key}': ${bad}`];
    if (c.limit !== undefined && (typeof c.limit !== "number" || !Number.isInteger(c.limit) || c.limit < 0))
      return [`Invalid request: concurrency limit must be a non-negative integer, got ${JSON.stringify(c.limit)}`];
  }
  return [];
}

function validateDebounce(debounce: Raw): string[] {
  const errors: string[] = [];
  if (typeof debounce.key === "string" && debounce.key) {
    const bad = expressionError(debounce.key);
    if (bad) errors.push(`Debounce expression is invalid: ${bad}`);
  }
  const period = durationMs(debounce.period);
  if (period === undefined) errors.push(`The debounce period of '${debounce.period}' is invalid`);
  else if (period < LIMITS.minDebounceMs) errors.push(`The debounce period of '${debounce.period}' is less than the min of: 1s`);
  else if (period > LIMITS.maxDebounceMs) errors.push(`The debounce period of '${debounce.period}' is greater than the max of: 168h0m0s`);
  return errors;
}

/** Throttle's period is parsed while the request is decoded: a bad one fails the request itself. */
function validateThrottle(throttle: Raw): string[] {
  if (durationMs(throttle.period) === undefined) return [`Invalid request: time: invalid duration "${throttle.period}"`];
  if (throttle.limit !== undefined && (!Number.isInteger(throttle.limit) || throttle.limit < 0))
    return ["Invalid request: throttle limit must be a non-negative integer"];
  const bad = typeof throttle.key === "string" ? expressionError(throttle.key) : undefined;
  return bad ? [`Invalid throttle key '${throttle.key}': ${bad}`] : [];
}

function validateRateLimit(rateLimit: Raw): string[] {
  if (!(Number(rateLimit.limit) > 0)) return ["limit must be greater than 0"];
  const bad = typeof rateLimit.key === "string" ? expressionError(rateLimit.key) : undefined;
  if (bad) return [`key is invalid: ${bad}`];
  if (!rateLimit.period) return ["period must be specified"];
  const ms = durationMs(rateLimit.period);
  if (ms === undefined) return [`failed to parse time duration: time: invalid duration "${rateLimit.period}"`];
  if (ms > LIMITS.rateLimitMaxPeriodMs) return ["period must be less than 24h0m0s"];
  return [];
}

/**
 * A syntax error in an expression, or undefined. Only the stand-in's CEL subset is known here
 * (expr.ts), so an expression outside it is refused with a message that says so.
 */
function expressionError(src: string): string | undefined {
  try {
    evaluate(src, { event: { data: {} }, async: { data: {} } });
    return undefined;
  } catch (error) {
    if (error instanceof ExpressionError) return `${error.message} (checked against the stand-in's CEL subset)`;
    return undefined;
  }
}

/** hashicorp/go-multierror's text, which the dev server stores as the app's sync error. */
export function multiErrorText(errors: string[]): string {
  const points = errors.map((e) => `\t* ${e}`).join("\n");
  return `${errors.length} ${errors.length === 1 ? "error" : "errors"} occurred:\n${points}\n\n`;
}

/** Every function's errors, prefixed by its id; empty when the whole sync is valid. */
export function validateSync(functions: Raw[]): string[] {
  const errors: string[] = [];
  const ids = new Set<string>();
  for (const fn of functions) {
    const id = String(fn?.id ?? "");
    // The executor keys functions by (app, slug); a repeated id would overwrite the first.
    if (ids.has(id)) errors.push(`${id}: duplicate function id`);
    ids.add(id);
    for (const e of validateFunction(fn ?? {})) errors.push(`${id}: ${e}`);
  }
  return errors;
}
