// The stand-in's notion of "now". Objects on no test clock live in real time; objects on a test
// clock (a customer created with `test_clock`, and everything of theirs) live at that clock's
// `frozen_time`, which only moves when the clock is advanced (test-clocks.ts), as at Stripe. Work
// for one object runs with now() pinned to its clock (a request about it, a renewal that fell
// due), so timestamps and rules follow the clock the object lives on. Unix seconds throughout.

export class SimClock {
  private pinned: number | null = null;

  now(): number {
    return this.pinned ?? realNow();
  }

  /**
   * Runs `fn` with now() pinned at `at`: a request about an object on a test clock, or work that
   * fell due during an advance (a renewal found late still carries its period boundary as
   * `created`, as Stripe's test clocks do).
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

export const realNow = () => Math.floor(Date.now() / 1000);

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
