import { describe, expect, it } from "vitest";
import { boundedFetch, cloudflareRateLimitWaitMs, MAX_INLINE_WAIT_MS, retryAfterMs } from "./cloudflare";

const answer = (status: number, headers: Record<string, string>) => async () => new Response("{}", { status, headers });

describe("the Cloudflare client's bounded waits", () => {
  it("reads Retry-After as Cloudflare and the SDK do: retry-after-ms, seconds, or a date", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "300" }))).toBe(300_000);
    expect(retryAfterMs(new Headers({ "retry-after": new Date(Date.now() + 60_000).toUTCString() }))).toBeGreaterThan(55_000);
    expect(retryAfterMs(new Headers())).toBeNull();
  });

  it("leaves a short 429 to the SDK's own retry, and marks a long one not to be retried inside the call", async () => {
    const short = await boundedFetch(answer(429, { "retry-after": "2" }))("http://x");
    expect(short.headers.get("x-should-retry")).toBeNull();
    const long = await boundedFetch(answer(429, { "retry-after": String(MAX_INLINE_WAIT_MS / 1000 + 295) }))("http://x");
    expect(long.status).toBe(429);
    expect(long.headers.get("x-should-retry")).toBe("false");
    expect(long.headers.get("retry-after")).toBe("300");
    const ok = await boundedFetch(answer(200, {}))("http://x");
    expect(ok.headers.get("x-should-retry")).toBeNull();
  });

  it("only a rate limit carries a wait", () => {
    expect(cloudflareRateLimitWaitMs(new Error("boom"))).toBeNull();
  });
});
