// Time and queues: abortable delays, concurrency slots, event waits and the cron clock.
import type { InngestEvent } from "./protocol";

export class Cancelled extends Error {
  constructor(reason = "cancelled") {
    super(reason);
    this.name = "Cancelled";
  }
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface SlotRequest {
  key: string;
  limit: number;
}

interface Waiter {
  slots: SlotRequest[];
  grant: (release: () => void) => void;
}

/**
 * Counting slots per key, taken all-or-nothing. Waiters are served in arrival order, but one
 * blocked on a busy key does not hold back others on free keys, like Inngest's per-key
 * partitions.
 */
export class SlotLimiter {
  private inUse = new Map<string, number>();
  private queue: Waiter[] = [];

  acquire(slots: SlotRequest[], signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Cancelled());
      const waiter: Waiter = {
        slots,
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        this.queue = this.queue.filter((w) => w !== waiter);
        reject(new Cancelled());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.drain();
    });
  }

  inFlight(key: string): number {
    return this.inUse.get(key) ?? 0;
  }

  private fits(slots: SlotRequest[]): boolean {
    return slots.every((s) => (this.inUse.get(s.key) ?? 0) < s.limit);
  }

  private drain() {
    for (const waiter of [...this.queue]) {
      if (!this.fits(waiter.slots)) continue;
      this.queue = this.queue.filter((w) => w !== waiter);
      for (const s of waiter.slots) this.inUse.set(s.key, (this.inUse.get(s.key) ?? 0) + 1);
      let released = false;
      waiter.grant(() => {
        if (released) return;
        released = true;
        for (const s of waiter.slots) this.inUse.set(s.key, (this.inUse.get(s.key) ?? 1) - 1);
        this.drain();
      });
    }
  }
}

export interface EventWait {
  runId: string;
  /** Event name and, already bound to the run's own event, the `if` filter. */
  name: string;
  accept: (event: InngestEvent) => boolean;
  resolve: (event: InngestEvent) => void;
}

/** Paused `step.waitForEvent`s; only events received after the pause can resume them. */
export class EventWaits {
  private waits = new Set<EventWait>();

  add(wait: EventWait): () => void {
    this.waits.add(wait);
    return () => this.waits.delete(wait);
  }

  /** Resumes every wait the event satisfies; returns the run ids resumed. */
  offer(event: InngestEvent): string[] {
    const resumed: string[] = [];
    for (const wait of [...this.waits]) {
      if (wait.name !== event.name || !wait.accept(event)) continue;
      this.waits.delete(wait);
      resumed.push(wait.runId);
      wait.resolve(event);
    }
    return resumed;
  }

  clear() {
    this.waits.clear();
  }
}

/** Calls `tick` at the start of every wall-clock minute. */
export class MinuteClock {
  private timer?: NodeJS.Timeout;

  start(tick: (at: Date) => void) {
    const schedule = () => {
      const now = Date.now();
      const next = Math.floor(now / 60_000) * 60_000 + 60_000;
      this.timer = setTimeout(() => {
        schedule();
        tick(new Date(next));
      }, next - now);
      this.timer.unref?.();
    };
    schedule();
  }

  stop() {
    clearTimeout(this.timer);
  }
}
