// The one Cloudflare client (tunnels, DNS, Access). CLOUDFLARE_BASE_URL points it at the local stand-in.
//
// Every call is bounded. Cloudflare's rate limit blocks every call for five minutes once 1,200 were
// made in five minutes, answering 429 with `Retry-After: 300`, and the SDK (cloudflare@7
// client.retryRequest) sleeps whatever Retry-After says before each of its retries, uncapped: a
// step would sit for ten minutes inside one call. So a 429 asking for more than
// MAX_INLINE_WAIT_MS is handed back at once (`x-should-retry: false` makes the SDK throw its
// RateLimitError), and the step's error carries the wait for Inngest's retry (lib/jobs/step-errors.ts)
// or the cleanup's pause (lib/provisioning/compensate.ts). Short waits are still absorbed inline.
import "server-only";
import Cloudflare from "cloudflare";
import { env } from "@/lib/env";

/** Longest Retry-After one SDK retry may sleep inside a call. */
export const MAX_INLINE_WAIT_MS = 5_000;
const MAX_RETRIES = 2;
const TIMEOUT_MS = 20_000;

/** Milliseconds the answer asks to wait (`retry-after-ms`, or `retry-after` in seconds or as a date). */
export function retryAfterMs(headers: Headers | undefined | null): number | null {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms)) return ms;
  const after = headers?.get("retry-after");
  if (!after) return null;
  const seconds = Number.parseFloat(after);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

/** A fetch for the SDK that turns a long-wait 429 into an immediate error instead of a sleep. */
export function boundedFetch(inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.status !== 429) return response;
    const wait = retryAfterMs(response.headers);
    if (wait !== null && wait <= MAX_INLINE_WAIT_MS) return response;
    const headers = new Headers(response.headers);
    headers.set("x-should-retry", "false");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

/** How long to wait before calling Cloudflare again after `error`, when it is a rate limit; else null. */
export function cloudflareRateLimitWaitMs(error: unknown): number | null {
  if (!(error instanceof Cloudflare.RateLimitError)) return null;
  return retryAfterMs(error.headers) ?? 60_000;
}

let client: Cloudflare | undefined;

export function cloudflare(): Cloudflare {
  if (client) return client;
  const { CLOUDFLARE_API_TOKEN, CLOUDFLARE_BASE_URL } = env();
  client = new Cloudflare({
    apiToken: CLOUDFLARE_API_TOKEN,
    maxRetries: MAX_RETRIES,
    timeout: TIMEOUT_MS,
    fetch: boundedFetch(),
    ...(CLOUDFLARE_BASE_URL && { baseURL: CLOUDFLARE_BASE_URL }),
  });
  return client;
}
