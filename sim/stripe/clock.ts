// The stand-in's notion of "now": real time plus an offset that tests push forward, like a Stripe
// test clock but global. Timestamps are unix seconds, as everywhere in the Stripe API.

export class SimClock {
  private offsetSeconds = 0;
  private pinned: number | null = null;

  now(): number {
    return this.pinned ?? Math.floor(Date.now() / 1000) + this.offsetSeconds;
  }

  get offset(): number {
    return this.offsetSeconds;
  }

  advance(seconds: number) {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error("the clock only moves forward");
    this.offsetSeconds += Math.floor(seconds);
  }

  /**
   * Runs work that fell due at `at` with now() pinned there, so a renewal found late (after a big
   * advance) still carries its period boundary as `created`, as Stripe's test clocks do.
   */
  runAt<T>(at: number, fn: () => T): T {
    const previous = this.pinned;
    this.pinned = at;
    try {
      return fn();
    } finally {
      this.pinned = previous;
    }
  }
}

const DAY = 86_400;

/** Adds billing intervals the way Stripe does: months clamp to the anchor's day (Jan 31 → Feb 28/29). */
export function addInterval(from: number, interval: string, count: number, anchor = from): number {
  if (interval === "day") return from + count * DAY;
  if (interval === "week") return from + count * 7 * DAY;
  const months = interval === "year" ? 12 * count : count;
  const start = new Date(from * 1000);
  const anchorDay = new Date(anchor * 1000).getUTCDate();
  const target = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(anchorDay, lastDay));
  return Math.floor(target.getTime() / 1000);
}
