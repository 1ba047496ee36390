// The app's logger (issue 22, Build 4): JSON lines on stdout with pino, each carrying this
// instance's id and the request, run or task it belongs to (lib/observability/log-context.ts).
// Lines carry ids, never secrets (I9): known secret-bearing fields are censored by path, and
// messages are written by us from ids and error names, never from request bodies or headers.
import pino, { type DestinationStream, type Logger } from "pino";
import { currentLogContext } from "@/lib/observability/log-context";
import { instanceId } from "@/lib/runtime/instance-id";

const REDACT = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "ticket",
  "*.ticket",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  "headers",
  "*.headers",
];

const KEY = Symbol.for("labvps.logger");
type Holder = { logger?: Logger; destination?: DestinationStream };
const holder = (): Holder => {
  const g = globalThis as unknown as Record<symbol, Holder | undefined>;
  g[KEY] ??= {};
  return g[KEY];
};

function createLogger(destination?: DestinationStream): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL || "info",
      base: { instance: instanceId() },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: "msg",
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: "[redacted]" },
      mixin: () => ({ ...currentLogContext() }),
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** The process's logger (one for server.ts and Next's bundles alike). */
export function logger(): Logger {
  const h = holder();
  h.logger ??= createLogger(h.destination);
  return h.logger;
}

/** A logger for one area (`component` on each line): `log("stripe-forwarder").warn(...)`. */
export function log(component: string): Logger {
  return logger().child({ component });
}

/** Tests: send every line to `destination` instead of stdout (null: back to stdout). */
export function setLogDestination(destination: DestinationStream | null): void {
  const h = holder();
  h.destination = destination ?? undefined;
  h.logger = undefined;
}

/** An error as a log field: its name and message, never a stack with request data. */
export function errorFields(error: unknown): { err: { name: string; message: string } } {
  return { err: error instanceof Error ? { name: error.name, message: error.message.slice(0, 500) } : { name: typeof error, message: "" } };
}
