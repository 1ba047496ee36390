// What every log line says it belongs to: the HTTP request (`requestId`), the Inngest run
// (`runId`, and its function) or the background task (`taskId`, e.g. one forwarder pass), carried
// through async calls by AsyncLocalStorage. server.ts and Next's bundles load separate copies of
// this module in one process, and a request starts in server.ts and runs on in Next's route code,
// so the storage lives on globalThis under a registered symbol: both copies use the same one.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";

export type LogContext = { requestId?: string; runId?: string; fn?: string; taskId?: string };

const KEY = Symbol.for("labvps.log-context");

function storage(): AsyncLocalStorage<LogContext> {
  const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<LogContext> | undefined>;
  holder[KEY] ??= new AsyncLocalStorage<LogContext>();
  return holder[KEY];
}

export function currentLogContext(): LogContext | undefined {
  return storage().getStore();
}

/** Runs `fn` with these ids on every log line it writes (nested contexts add to the outer one). */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage().run({ ...currentLogContext(), ...context }, fn);
}

/** Sets the context for the rest of this execution (server.ts's start-up: `taskId: "startup"`). */
export function enterLogContext(context: LogContext): void {
  storage().enterWith({ ...currentLogContext(), ...context });
}

/** A fresh id: 16 random hex characters. Ids are ours, never a secret or a customer's data. */
export const newLogId = () => randomBytes(8).toString("hex");

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The proxy's request id when it sent a plausible one (so its logs and ours join), else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === "string" && INCOMING_ID.test(header) ? header : newLogId();
}
