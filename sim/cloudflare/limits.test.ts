// The stand-in's global rate limit and API token model, through the real SDK.
import Cloudflare from "cloudflare";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PERMISSION, TOKEN_ID } from "./api-token";
import { startCloudflareSim, type CloudflareSimHandle } from "./index";

let sim: CloudflareSimHandle;
let cf: Cloudflare;
let account_id: string;

beforeAll(async () => {
  sim = await startCloudflareSim({ port: 0 });
  account_id = sim.options.accountId;
  cf = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const list = () => cf.zeroTrust.tunnels.cloudflared.list({ account_id });

describe("Cloudflare stand-in: the global rate limit", () => {
  it("1,200 requests per 5 minutes by default, with the Ratelimit headers Cloudflare sends", async () => {
    expect(sim.rateLimit.settings).toEqual({ limit: 1200, windowMs: 300_000 });
    const res = await fetch(`${sim.apiUrl}/accounts/${account_id}/cfd_tunnel`, { headers: { authorization: `Bearer ${sim.options.apiToken}` } });
    expect(res.headers.get("ratelimit")).toMatch(/^"default";r=1199;t=\d+$/);
    expect(res.headers.get("ratelimit-policy")).toBe('"default";q=1200;w=300');
  });

  it("past the quota every call is refused for the whole window: 429, code 971, Retry-After in seconds", async () => {
    sim.rateLimit.configure({ limit: 3, windowMs: 300_000 });
    for (let i = 0; i < 3; i++) await list();
    const refused = await list().catch((e) => e);
    expect(refused).toBeInstanceOf(Cloudflare.RateLimitError);
    expect(refused.errors[0]).toEqual({ code: 971, message: "Please wait and consider throttling your request speed" });
    expect(Number(refused.headers.get("retry-after"))).toBe(300);
    // Still blocked, whatever is called, and the wait only shrinks.
    const again = await cf.dns.records.list({ zone_id: sim.options.zoneId }).catch((e) => e);
    expect(again).toBeInstanceOf(Cloudflare.RateLimitError);
    expect(Number(again.headers.get("retry-after"))).toBeLessThanOrEqual(300);
  });

  it("the block ends with its window", async () => {
    sim.rateLimit.configure({ limit: 2, windowMs: 400 });
    await list();
    await list();
    await expect(list()).rejects.toBeInstanceOf(Cloudflare.RateLimitError);
    await new Promise((r) => setTimeout(r, 450));
    await expect(list()).resolves.toBeDefined();
  });

  it("the SDK, left alone, sleeps the whole Retry-After inside one call (the app caps this: lib/access/cloudflare.ts)", async () => {
    sim.rateLimit.configure({ limit: 1, windowMs: 1_500 });
    await list();
    const patient = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 1 });
    const started = Date.now();
    await expect(patient.zeroTrust.tunnels.cloudflared.list({ account_id })).resolves.toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  });
});

describe("Cloudflare stand-in: user and account-owned API tokens", () => {
  it("a user token verifies at /user/tokens/verify; an account-owned one only at /accounts/{id}/tokens/verify", async () => {
    expect(await cf.user.tokens.verify()).toMatchObject({ id: TOKEN_ID, status: "active" });
    await expect(cf.accounts.tokens.verify({ account_id })).rejects.toBeInstanceOf(Cloudflare.AuthenticationError);
    sim.apiToken.model = { kind: "account", permissions: null };
    const wrong = await cf.user.tokens.verify().catch((e) => e);
    expect(wrong).toBeInstanceOf(Cloudflare.AuthenticationError);
    expect(wrong.errors[0]).toEqual({ code: 1000, message: "Invalid API Token" });
    expect(await cf.accounts.tokens.verify({ account_id })).toMatchObject({ id: TOKEN_ID, status: "active" });
  });

  it("a call outside the token's permission groups is 403, code 10000", async () => {
    sim.apiToken.model = { kind: "user", permissions: [`${PERMISSION.tunnel} Write`, `${PERMISSION.dns} Read`] };
    await expect(list()).resolves.toBeDefined();
    await expect(cf.dns.records.list({ zone_id: sim.options.zoneId })).resolves.toBeDefined();
    const write = await cf.dns.records.create({ zone_id: sim.options.zoneId, type: "A", name: "x", content: "192.0.2.1", ttl: 1 }).catch((e) => e);
    expect(write).toBeInstanceOf(Cloudflare.PermissionDeniedError);
    expect(write.errors[0]).toEqual({ code: 10000, message: "Authentication error" });
    await expect(Promise.resolve(cf.zeroTrust.access.applications.list({ account_id }))).rejects.toBeInstanceOf(Cloudflare.PermissionDeniedError);
  });

  it("a token reads its own permission groups only with API Tokens Read", async () => {
    sim.apiToken.model = { kind: "user", permissions: [`${PERMISSION.tunnel} Write`] };
    await expect(cf.user.tokens.get(TOKEN_ID)).rejects.toBeInstanceOf(Cloudflare.PermissionDeniedError);
    sim.apiToken.model = { kind: "account", permissions: [`${PERMISSION.tunnel} Write`, "Account API Tokens Read"] };
    const details = await cf.accounts.tokens.get(TOKEN_ID, { account_id });
    expect(details.policies?.flatMap((p) => p.permission_groups.map((g) => g.name))).toContain(`${PERMISSION.tunnel} Write`);
  });
});
