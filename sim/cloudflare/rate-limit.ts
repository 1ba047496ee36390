// Cloudflare's global API rate limit (developers.cloudflare.com/fundamentals/api/reference/limits):
// 1,200 requests per five minutes per user or account token; past it "all API calls for the next
// five minutes will be blocked", each answered 429 with error code 971 and `retry-after` in
// seconds, rounded up. Every answer carries the IETF-draft headers Cloudflare added in 2025:
// `Ratelimit: "default";r=<remaining>;t=<seconds to reset>` and
// `Ratelimit-Policy: "default";q=<quota>;w=<window seconds>`.
import { CfError } from "./envelope";

export interface RateLimitSettings {
  limit: number;
  windowMs: number;
}

export const CLOUDFLARE_RATE_LIMIT: RateLimitSettings = { limit: 1200, windowMs: 5 * 60_000 };

export class RateLimitedError extends CfError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 971, "Please wait and consider throttling your request speed");
  }
}

export class RateLimiter {
  #accepted = new Map<string, number[]>();
  #blockedUntil = new Map<string, number>();
  #hits = 0;

  constructor(public settings: RateLimitSettings = { ...CLOUDFLARE_RATE_LIMIT }) {}

  /** Counts one call for `key` (the token); throws RateLimitedError while blocked. Returns the headers. */
  take(key: string, now = Date.now()): Record<string, string> {
    const { limit, windowMs } = this.settings;
    const blocked = this.#blockedUntil.get(key) ?? 0;
    if (now < blocked) {
      this.#hits++;
      throw new RateLimitedError(Math.ceil((blocked - now) / 1000));
    }
    const recent = (this.#accepted.get(key) ?? []).filter((t) => t > now - windowMs);
    if (recent.length >= limit) {
      // Over the quota: the whole window from now on is refused, whatever the caller does.
      this.#blockedUntil.set(key, now + windowMs);
      this.#accepted.set(key, []);
      this.#hits++;
      throw new RateLimitedError(Math.ceil(windowMs / 1000));
    }
    recent.push(now);
    this.#accepted.set(key, recent);
    const reset = Math.max(1, Math.ceil((recent[0] + windowMs - now) / 1000));
    return {
      ratelimit: `"default";r=${limit - recent.length};t=${reset}`,
      "ratelimit-policy": `"default";q=${limit};w=${Math.ceil(windowMs / 1000)}`,
    };
  }

  headersFor(error: RateLimitedError): Record<string, string> {
    return {
      "retry-after": String(error.retryAfterSeconds),
      ratelimit: `"default";r=0;t=${error.retryAfterSeconds}`,
      "ratelimit-policy": `"default";q=${this.settings.limit};w=${Math.ceil(this.settings.windowMs / 1000)}`,
    };
  }

  /** Calls answered 429 since the last reset. */
  get refusals(): number {
    return this.#hits;
  }

  state() {
    const now = Date.now();
    return {
      ...this.settings,
      refusals: this.#hits,
      blocked: [...this.#blockedUntil].filter(([, until]) => until > now).map(([, until]) => ({ until: new Date(until).toISOString() })),
    };
  }

  configure(settings: Partial<RateLimitSettings>) {
    const next = { ...this.settings, ...settings };
    if (!Number.isInteger(next.limit) || next.limit < 1) throw new Error("rate limit must be a positive integer");
    if (!Number.isFinite(next.windowMs) || next.windowMs < 1) throw new Error("windowMs must be a positive number");
    this.settings = next;
  }

  reset() {
    this.#accepted.clear();
    this.#blockedUntil.clear();
    this.#hits = 0;
  }
}
