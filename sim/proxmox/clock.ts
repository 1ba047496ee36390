// The stand-in's own clock: real time plus an offset that tests move forward (`POST
// /_sim/clock/advance`). What a node says the time is (`GET /nodes/{node}/time`), when a backup or
// a snapshot was taken, and so the product's backup schedule, all read it; task ids and timers
// stay on real time.
export class SimClock {
  #offsetMs = 0;

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Seconds since the epoch, as PVE reports times. */
  epoch(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error("seconds must be a non-negative number");
    this.#offsetMs += seconds * 1000;
    return this.now();
  }

  reset() {
    this.#offsetMs = 0;
  }
}
