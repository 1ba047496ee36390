// Wire shapes between an Inngest executor and an SDK serve endpoint, as read from inngest@4
// (InngestCommHandler, execution/engine, InngestStepTools). Where the SDK and the docs
// disagree, this file follows the SDK: e.g. a Sleep op carries its duration in `name`.
import { createHash, randomBytes } from "node:crypto";
import { canonicalJson, signatureFor } from "./signing";

export const OpCode = {
  StepRun: "StepRun",
  Step: "Step",
  StepError: "StepError",
  StepFailed: "StepFailed",
  StepPlanned: "StepPlanned",
  Sleep: "Sleep",
  WaitForEvent: "WaitForEvent",
  WaitForSignal: "WaitForSignal",
  InvokeFunction: "InvokeFunction",
  RunComplete: "RunComplete",
  StepNotFound: "StepNotFound",
  DiscoveryRequest: "DiscoveryRequest",
  DeferAdd: "DeferAdd",
  DeferAbort: "DeferAbort",
} as const;

export const InternalEvent = {
  FunctionFailed: "inngest/function.failed",
  FunctionFinished: "inngest/function.finished",
  FunctionCancelled: "inngest/function.cancelled",
  FunctionInvoked: "inngest/function.invoked",
  ScheduledTimer: "inngest/scheduled.timer",
} as const;

/** The SDK's default when a function sets no `retries` (helpers/consts defaultMaxRetries). */
export const DEFAULT_RETRIES = 3;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  [key: string]: unknown;
}

export interface InngestEvent {
  name: string;
  data: Record<string, unknown>;
  id: string;
  ts: number;
  user?: unknown;
  v?: string;
}

export interface Op {
  id: string;
  op: string;
  name?: string;
  displayName?: string;
  opts?: Record<string, unknown>;
  data?: unknown;
  error?: unknown;
  userland?: { id: string; index?: number };
}

/** Memoized step state as the SDK's `stepSchema` accepts it. */
export type MemoEntry = { data: unknown } | { error: unknown };

export interface RunRequestBody {
  event: InngestEvent;
  events: InngestEvent[];
  steps: Record<string, MemoEntry>;
  // `fn_id` (with `qi_id`, the queue item being worked on) switches inngest@4 to async
  // checkpointing: the SDK runs several steps in one request and posts each finished one to
  // /v1/checkpoint/<run>/async (checkpoint.ts) before answering. Left out, every step is its
  // own request.
  ctx: {
    fn_id?: string;
    qi_id?: string;
    run_id: string;
    attempt: number;
    max_attempts: number;
    disable_immediate_execution: boolean;
    use_api: boolean;
    stack: { stack: string[]; current: number };
  };
  version: number;
}

export type SdkResult =
  | { kind: "done"; data: unknown }
  | { kind: "ops"; ops: Op[]; retryAfterMs?: number; noRetry?: boolean }
  | { kind: "error"; error: SerializedError; retriable: boolean; retryAfterMs?: number; status: number };

export interface CallResult {
  result: SdkResult;
  version?: number;
}

/** POSTs one execution request and classifies the answer the way the Inngest executor does. */
export async function callSdk(url: string, body: RunRequestBody, signal?: AbortSignal, signingKey?: string): Promise<CallResult> {
  let res: Response;
  // fetch (undici, Node 20) keeps an abort listener on the signal it is given until that signal is
  // collected: handing it the executor's long-lived closing signal added one per request, 2,000+
  // in a benchmark (MaxListenersExceededWarning). A signal per request, unhooked at its end.
  const local = new AbortController();
  const onAbort = () => local.abort(signal?.reason);
  if (signal?.aborted) local.abort(signal.reason);
  else signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-inngest-server-kind": signingKey ? "cloud" : "dev",
      "x-run-id": body.ctx.run_id,
    };
    if (signingKey) headers["x-inngest-signature"] = signatureFor(body, signingKey);
    res = await fetch(url, { method: "POST", body: canonicalJson(body), headers, signal: local.signal });
  } catch (err) {
    signal?.removeEventListener("abort", onAbort);
    const message = `could not reach ${url}: ${(err as Error).cause ?? (err as Error).message}`;
    return { result: { kind: "error", error: { name: "Error", message }, retriable: true, status: 0 } };
  }
  let status = res.status;
  let headers = (name: string) => res.headers.get(name);
  let text: string;
  try {
    text = await res.text();
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  // With INNGEST_STREAMING the SDK answers 201, keeps the socket alive with spaces and ends
  // with the real response as JSON.
  if (status === 201) {
    const inner = safeJson(text.trim()) as { status?: number; body?: string; headers?: Record<string, string> } | undefined;
    status = inner?.status ?? 500;
    const innerHeaders = Object.fromEntries(Object.entries(inner?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    headers = (name) => innerHeaders[name] ?? null;
    text = inner?.body ?? "";
  }
  const version = Number(headers("x-inngest-req-version")) || undefined;
  const noRetry = headers("x-inngest-no-retry") === "true";
  const retryAfterMs = parseRetryAfter(headers("retry-after"));
  const parsed = safeJson(text);
  if (status === 200) return { version, result: { kind: "done", data: parsed ?? null } };
  if (status === 206) {
    const ops = (Array.isArray(parsed) ? parsed : [parsed]).filter(Boolean) as Op[];
    return { version, result: { kind: "ops", ops, retryAfterMs, noRetry } };
  }
  return { version, result: { kind: "error", error: toError(parsed, text, status), retriable: !noRetry, retryAfterMs, status } };
}

export function toError(value: unknown, fallback = "", status?: number): SerializedError {
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    const message = typeof v.message === "string" ? v.message : typeof v.error === "string" ? v.error : JSON.stringify(v);
    return { ...v, name: typeof v.name === "string" ? v.name : "Error", message };
  }
  if (typeof value === "string") return { name: "Error", message: value };
  return { name: "Error", message: fallback || `HTTP ${status ?? "error"}` };
}

function safeJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The function's internal id as the executor sends it in `ctx.fn_id`: a UUID from a sha1 (v5 layout). */
export function functionUuid(appName: string, fnId: string): string {
  const h = createHash("sha1").update(`${appName}\u0000${fnId}`).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Step ids on the wire are the sha1 hex of the userland id (`name`, `name:1`, …). */
export function hashStepId(id: string): string {
  return createHash("sha1").update(id).digest("hex");
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Milliseconds from now for an SDK time string: `timeStr` output ("1h30m", "2d", "10s"),
 * a bare number of ms, or an ISO timestamp (`sleepUntil`). Undefined when unparseable.
 */
export function durationMs(value: unknown, now = Date.now()): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || !value.trim()) return undefined;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
  }
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|w|d|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text.replace(/\s+/g, "")) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit], 0);
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * ULIDs like the real server's event and run ids. With the SDK's `x-inngest-event-id-seed`
 * (`<millis>,<base64 entropy>`) the ids are derived from the seed, so a send the SDK retries
 * after a network error yields the same ids and is stored once.
 */
export function ulid(time = Date.now(), entropy: Buffer = randomBytes(10)): string {
  let out = "";
  let t = time;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (const byte of entropy.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let rand = "";
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)] + rand;
    bits >>= 5n;
  }
  return out + rand;
}

export function seededUlids(seed: string | undefined, count: number): string[] | undefined {
  const [millis, b64] = (seed ?? "").split(",");
  const entropy = b64 ? Buffer.from(b64, "base64") : undefined;
  if (!millis || !/^\d+$/.test(millis) || !entropy || entropy.length < 10) return undefined;
  return Array.from({ length: count }, (_, i) => {
    const e = Buffer.from(entropy.subarray(0, 10));
    e.writeUInt32BE((e.readUInt32BE(6) + i) >>> 0, 6);
    return ulid(Number(millis), e);
  });
}
