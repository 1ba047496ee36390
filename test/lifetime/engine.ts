// An in-process executor for the app's Inngest functions, for the lifetime simulation: thousands of
// runs per simulated customer-year would take hours over the Inngest stand-in's HTTP protocol, so
// this runs the very same handlers (inngest/index.ts) in-process, keeping the executor's rules
// that matter here: every step's result goes through JSON (Dates become strings, as in Inngest); a
// step is tried `retries + 1` times, at once (no backoff: time here is the customers' Stripe clocks,
// not the wall clock), NonRetriableError stops at once; a run that gives up calls its `onFailure`;
// events with an id are kept once; `concurrency` (limit and key, per function) and `singleton`
// hold; runs of different keys or functions run side by side; a sleep holds no slot and lasts a
// thousandth of its duration.
import { NonRetriableError, type InngestFunction } from "inngest";
import { namesMatchedBy } from "@/test/fixtures/triggers";

export type EngineEvent = { name: string; data: Record<string, unknown>; id?: string };

type Handler = (ctx: Record<string, unknown>) => Promise<unknown>;
type Concurrency = number | { limit: number; key?: string } | Array<{ limit: number; key?: string }>;
type Fn = {
  opts: { id: string; retries?: number; triggers?: unknown[]; onFailure?: Handler; concurrency?: Concurrency; singleton?: { key: string } };
  fn: Handler;
};

export type EngineStats = { runs: number; failed: number; steps: number; sleeps: number; coalesced: number; duplicates: number; skipped: number };

const MAX_SLEEPS_PER_RUN = 5_000;
const SLEEP_SCALE = 0.001;

export class InlineEngine {
  private queue: EngineEvent[] = [];
  private seen = new Set<string>();
  private byEvent = new Map<string, Fn[]>();
  private active = new Set<Promise<unknown>>();
  private slots = new Map<string, { used: number; waiters: Array<() => void> }>();
  private singletons = new Set<string>();
  private wakers = new Set<() => void>();
  readonly stats: EngineStats = { runs: 0, failed: 0, steps: 0, sleeps: 0, coalesced: 0, duplicates: 0, skipped: 0 };
  /** Runs that gave up: function id, event name and the error. */
  readonly failures: Array<{ fn: string; event: string; error: string; data: Record<string, unknown> }> = [];

  constructor(
    functions: InngestFunction.Any[],
    private readonly opts: {
      coalesce?: (event: EngineEvent) => string | null;
      /** Called before each round of starting runs: the world hands over what arrived meanwhile (Stripe's events). */
      feed?: () => Promise<void>;
    } = {},
  ) {
    for (const f of functions as unknown as Fn[]) {
      for (const trigger of f.opts.triggers ?? []) {
        const name = triggerName(trigger);
        if (!name) continue;
        // A wildcard `stripe/<prefix>.*` runs for the names its `if` lists (inngest/stripe-triggers.ts).
        const names = name.endsWith("*") ? namesMatchedBy({ event: name, if: (trigger as { if?: string }).if }) : [name];
        for (const n of names) this.byEvent.set(n, [...(this.byEvent.get(n) ?? []), f]);
      }
    }
  }

  /** What `inngest.send` does here: queue (an id already seen is dropped, as Inngest de-duplicates). */
  send = async (payload: EngineEvent | EngineEvent[]): Promise<{ ids: string[] }> => {
    const events = Array.isArray(payload) ? payload : [payload];
    for (const event of events) {
      if (event.id) {
        if (this.seen.has(event.id)) {
          this.stats.duplicates++;
          continue;
        }
        this.seen.add(event.id);
      }
      this.queue.push(JSON.parse(JSON.stringify(event)) as EngineEvent);
    }
    this.poke();
    return { ids: events.map((e) => e.id ?? "") };
  };

  get busy(): boolean {
    return this.queue.length > 0 || this.active.size > 0;
  }

  /** Something arrived outside `send` (a Stripe event): the drain loop feeds it in. */
  poke() {
    for (const wake of this.wakers) wake();
  }

  /** Starts every queued event's runs and waits until nothing is queued or running. */
  async drain(): Promise<void> {
    for (;;) {
      await this.opts.feed?.();
      for (let event = this.next(); event; event = this.next()) {
        for (const f of this.byEvent.get(event.name) ?? []) this.start(f, event);
      }
      if (this.active.size === 0 && this.queue.length === 0) return;
      let wake = () => {};
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.wakers.add(resolve);
        void Promise.race(this.active).then(
          () => resolve(),
          () => resolve(),
        );
      });
      this.wakers.delete(wake);
    }
  }

  /** Runs one function for one event now (a cron function's tick) and what it sends. */
  async invoke(fn: InngestFunction.Any, event: EngineEvent = { name: "inngest/scheduled.timer", data: {} }): Promise<unknown> {
    const result = await this.run(fn as unknown as Fn, event);
    await this.drain();
    return result;
  }

  private next(): EngineEvent | undefined {
    for (;;) {
      const event = this.queue.shift();
      if (!event) return undefined;
      const key = this.opts.coalesce?.(event);
      // A later request for the same work makes this one redundant (its handler re-reads Stripe).
      if (key && this.queue.some((later) => this.opts.coalesce?.(later) === key)) {
        this.stats.coalesced++;
        continue;
      }
      return event;
    }
  }

  private start(f: Fn, event: EngineEvent) {
    const singleton = f.opts.singleton ? `${f.opts.id}:${String(readPath(event, f.opts.singleton.key))}` : null;
    if (singleton && this.singletons.has(singleton)) {
      this.stats.skipped++;
      return;
    }
    if (singleton) this.singletons.add(singleton);
    const run: Promise<unknown> = this.withSlots(f, event, () => this.run(f, event)).finally(() => {
      this.active.delete(run);
      if (singleton) this.singletons.delete(singleton);
    });
    this.active.add(run);
  }

  private async withSlots<T>(f: Fn, event: EngineEvent, work: () => Promise<T>): Promise<T> {
    const specs = concurrencyOf(f.opts.concurrency);
    const held: string[] = [];
    try {
      for (const spec of specs) {
        const key = `${f.opts.id}|${spec.key ? String(readPath(event, spec.key)) : ""}`;
        await this.acquire(key, spec.limit);
        held.push(key);
      }
      return await work();
    } finally {
      for (const key of held) this.release(key);
    }
  }

  private async acquire(key: string, limit: number) {
    const slot = this.slots.get(key) ?? { used: 0, waiters: [] };
    this.slots.set(key, slot);
    while (slot.used >= limit) await new Promise<void>((resolve) => slot.waiters.push(resolve));
    slot.used++;
  }

  private release(key: string) {
    const slot = this.slots.get(key)!;
    slot.used--;
    slot.waiters.shift()?.();
  }

  private async run(f: Fn, event: EngineEvent): Promise<unknown> {
    this.stats.runs++;
    const attempts = (f.opts.retries ?? 3) + 1;
    const memo = new Map<string, unknown>();
    const counts = new Map<string, number>();
    let sleeps = 0;
    const stepId = (name: string) => {
      const n = counts.get(name) ?? 0;
      counts.set(name, n + 1);
      return n === 0 ? name : `${name}:${n}`;
    };
    const step = {
      run: async (name: string, work: () => unknown) => {
        const id = stepId(name);
        if (memo.has(id)) return memo.get(id);
        let last: unknown;
        for (let attempt = 0; attempt < attempts; attempt++) {
          this.stats.steps++;
          try {
            const value = await work();
            const stored = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
            memo.set(id, stored);
            return stored;
          } catch (error) {
            last = error;
            if (error instanceof NonRetriableError) break;
          }
        }
        throw last;
      },
      sleep: async (_name: string, duration: string | number) => {
        this.stats.sleeps++;
        if (++sleeps > MAX_SLEEPS_PER_RUN) throw new NonRetriableError(`${f.opts.id}: more than ${MAX_SLEEPS_PER_RUN} sleeps`);
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, durationMs(duration) * SLEEP_SCALE)));
      },
      sendEvent: async (_name: string, payload: EngineEvent | EngineEvent[]) => this.send(payload),
    };
    try {
      return await f.fn({ event, events: [event], step, runId: `run-${this.stats.runs}`, attempt: 0 });
    } catch (error) {
      this.stats.failed++;
      const message = error instanceof Error ? error.message : String(error);
      this.failures.push({ fn: f.opts.id, event: event.name, error: message, data: event.data });
      if (f.opts.onFailure) {
        const failureStep = { ...step, run: async (_n: string, work: () => unknown) => work() };
        await f.opts.onFailure({ event: { name: "inngest/function.failed", data: { event, error: { message } } }, error, step: failureStep });
      }
      return undefined;
    }
  }
}

function triggerName(trigger: unknown): string | null {
  if (typeof trigger === "string") return trigger;
  if (!trigger || typeof trigger !== "object") return null;
  const t = trigger as { name?: unknown; event?: unknown; cron?: unknown };
  if (typeof t.cron === "string") return null;
  if (typeof t.event === "string") return t.event;
  if (t.event && typeof t.event === "object" && typeof (t.event as { name?: unknown }).name === "string") return (t.event as { name: string }).name;
  return typeof t.name === "string" ? t.name : null;
}

function concurrencyOf(c: Concurrency | undefined): Array<{ limit: number; key?: string }> {
  if (c === undefined) return [];
  if (typeof c === "number") return [{ limit: c }];
  return Array.isArray(c) ? c : [c];
}

/** `event.data.vmId` → the value at that path of the event. */
function readPath(event: EngineEvent, expression: string): unknown {
  return expression
    .replace(/^event\./, "")
    .split(".")
    .reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), event);
}

function durationMs(duration: string | number): number {
  if (typeof duration === "number") return duration;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(duration.trim());
  if (!match) return 1_000;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}
