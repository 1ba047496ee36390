// The process's webhook forwarder: a loop that runs forwardPendingStripeEvents whenever the
// webhook recorded something (woken in-process right after the INSERT, so forwarding latency is
// one pass, not a poll interval) and every POLL_MS otherwise (rows backing off, rows recorded by
// another process, rows left behind by a crash). Started once per process by server.ts; the registry lives on
// globalThis because server.ts and Next's bundle load separate copies of this module in one
// process, and a second start must find the first.
import { forwardPendingStripeEvents } from "@/lib/billing/forward-stripe-events";
import { errorFields, log } from "@/lib/observability/log";
import { newLogId, withLogContext } from "@/lib/observability/log-context";

const POLL_MS = 2000;
/**
 * A short wait after a wake-up gathers a burst of deliveries into one batch: each pass costs two
 * commits and a send, so at 200 deliveries/s this keeps the forwarder's share of the database
 * small, for at most this much added forwarding latency.
 */
const COALESCE_MS = 50;

export type StripeForwarder = {
  wake(): void;
  stop(): Promise<void>;
  /** True while the loop waits for a wake-up or its next poll (no pass in hand): what a test waits for. */
  sleeping(): boolean;
};

const registryKey = Symbol.for("lab-vps.stripe-forwarder");
const registry = globalThis as unknown as { [registryKey]?: StripeForwarder };

export function startStripeForwarder(opts: { pollMs?: number; leaseSeconds?: number } = {}): StripeForwarder {
  const existing = registry[registryKey];
  if (existing) return existing;
  const pollMs = opts.pollMs ?? POLL_MS;
  let stopped = false;
  let woken = false;
  let interrupt: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = null;
        resolve();
      }
      interrupt = done;
    });

  const loop = (async () => {
    while (!stopped) {
      woken = false;
      let more = false;
      try {
        const pass = await withLogContext({ taskId: `forward-${newLogId()}` }, () => forwardPendingStripeEvents({ leaseSeconds: opts.leaseSeconds }));
        more = pass.claimed > 0 && pass.failed === 0;
      } catch (error) {
        // The database is unreachable: the rows are safe in it; try again after a pause.
        log("stripe-forwarder").error(errorFields(error), "pass failed");
      }
      if (stopped) break;
      if (more || woken) await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
      else await pause(pollMs);
    }
  })();

  const forwarder: StripeForwarder = {
    wake() {
      woken = true;
      interrupt?.();
    },
    sleeping: () => interrupt !== null,
    async stop() {
      stopped = true;
      interrupt?.();
      await loop;
      if (registry[registryKey] === forwarder) delete registry[registryKey];
    },
  };
  registry[registryKey] = forwarder;
  return forwarder;
}

/** Called after the webhook recorded an event; a no-op in a process that runs no forwarder. */
export function wakeStripeForwarder() {
  registry[registryKey]?.wake();
}
