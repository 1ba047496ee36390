// Inngest's retry schedule (inngest/inngest pkg/backoff/backoff.go, TableBackoff, the queue's
// DefaultBackoff): after failed attempt n (0-based) the next one waits BackoffTable[min(n, 9)]
// plus 0–30 s of jitter. The stand-in multiplies the result by its time scale like every other
// duration, so "real timing ÷ 60" keeps each ratio (a retry gap against a sleep, a lease TTL
// or a timeout) as it is on Inngest.
export const BACKOFF_TABLE_MS: readonly number[] = [15, 30, 60, 120, 300, 600, 1_200, 2_400, 3_600, 7_200].map((s) => s * 1_000);
export const BACKOFF_JITTER_MS = 30_000;

/** Unscaled wait before the attempt after failed attempt `attempt`; `random` in [0, 1). */
export function retryDelayMs(attempt: number, random: number): number {
  const base = BACKOFF_TABLE_MS[Math.min(Math.max(0, attempt), BACKOFF_TABLE_MS.length - 1)]!;
  return base + Math.floor(random * BACKOFF_JITTER_MS);
}

/** The longest a run can wait between two attempts of one step (2 h + 30 s). */
export const MAX_RETRY_GAP_MS = BACKOFF_TABLE_MS[BACKOFF_TABLE_MS.length - 1]! + BACKOFF_JITTER_MS;
