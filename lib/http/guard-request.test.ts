import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { SERVER_STAMP_HEADER } from "./client-address";
import { guardRequest, type GuardConfig } from "./guard-request";

const stamp = "stamp-0123456789-abcdefghijklmnop";
const env = { LABVPS_SERVER_STAMP: stamp };
const production: GuardConfig = { dev: false, appUrl: "https://lab.example.com", stripeUrl: undefined };
const local: GuardConfig = { dev: false, appUrl: "http://localhost:3100", stripeUrl: "http://127.0.0.1:13111" };

function request(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return new NextRequest(`http://localhost:3100${path}`, {
    method: init.method ?? "GET",
    headers: { host: "localhost:3100", [SERVER_STAMP_HEADER]: stamp, ...init.headers },
  });
}
const action = (origin: string | null, extra: Record<string, string> = {}) =>
  request("/sign-in", { method: "POST", headers: { "next-action": "abc123", "content-type": "text/plain", ...(origin === null ? {} : { origin }), ...extra } });

describe("requests server.ts did not stamp (plain next start)", () => {
  it("are refused with 503 and a line that says how to start the app", async () => {
    const unstamped = new NextRequest("http://localhost:3100/pricing", { headers: { "x-labvps-client-ip": "10.0.0.1" } });
    const response = guardRequest(unstamped, () => local, env);
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/server\.ts/);
    expect(guardRequest(request("/pricing"), () => local, {}).status).toBe(503); // no stamp in this process
  });
});

describe("server actions", () => {
  it.each([["https://evil.test"], ["null"], ["not a url"], ["http://localhost:3101"]])("posted with Origin %s answer 403, not 500", (origin) => {
    expect(guardRequest(action(origin), () => local, env).status).toBe(403);
  });

  it.each([["http://localhost:3100"], [null]])("posted with Origin %s go on to Next (same test as Next's own)", (origin) => {
    const response = guardRequest(action(origin), () => local, env);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });

  it("a forwarded host decides, as in Next: the proxy's public host must match the Origin", () => {
    expect(guardRequest(action("https://lab.example.com", { "x-forwarded-host": "lab.example.com" }), () => production, env).status).toBe(200);
    expect(guardRequest(action("https://evil.test", { "x-forwarded-host": "lab.example.com" }), () => production, env).status).toBe(403);
  });
});

describe("Content-Security-Policy and HSTS", () => {
  const cspOf = (response: Response) => response.headers.get("content-security-policy") ?? "";

  it("a fresh nonce per request, given to Next in the request and to the browser in the response", () => {
    const [a, b] = [guardRequest(request("/"), () => production, env), guardRequest(request("/"), () => production, env)];
    const nonceOf = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonceOf(cspOf(a))).toBeTruthy();
    expect(nonceOf(cspOf(a))).not.toBe(nonceOf(cspOf(b)));
    expect(a.headers.get("x-middleware-request-content-security-policy")).toBe(cspOf(a));
  });

  it("production: no 'unsafe-eval', no inline script without the nonce, the console's wss origin allowed, HSTS", () => {
    const response = guardRequest(request("/"), () => production, env);
    const csp = cspOf(response);
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toMatch(/connect-src 'self' wss:\/\/lab\.example\.com/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
  });

  it("an http APP_URL gets no HSTS; the local Stripe stand-in's checkout is a permitted form target", () => {
    const response = guardRequest(request("/"), () => local, env);
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(cspOf(response)).toMatch(/form-action 'self' https:\/\/checkout\.stripe\.com http:\/\/127\.0\.0\.1:13111/);
    expect(cspOf(response)).toMatch(/connect-src 'self' ws:\/\/localhost:3100/);
  });

  it("only the dev server gets 'unsafe-eval' and inline styles (React's dev build, Next's dev overlay)", () => {
    const dev = cspOf(guardRequest(request("/"), () => ({ ...local, dev: true }), env));
    expect(dev).toContain("'unsafe-eval'");
    expect(dev).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(cspOf(guardRequest(request("/"), () => local, env))).toMatch(/style-src 'self' 'nonce-[^']+'$|style-src 'self' 'nonce-[^']+';/);
  });
});
