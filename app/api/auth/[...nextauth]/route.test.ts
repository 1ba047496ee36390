// Probes of the Auth.js endpoints with hostile callback values: a safe redirect or a 4xx, never a
// 500, and never a redirect off the site.
import { describe, expect, it, vi } from "vitest";
vi.mock("server-only", () => ({}));
import { NextRequest } from "next/server";
import { GET, POST } from "./route";

const origin = "http://localhost:3000";
const hostile = ["//evil.test", "\\\\evil.test", "/\\evil.test", "https://evil.test/x", "javascript:alert(1)", "http://[bad"];

function expectSafe(response: Response) {
  expect(response.status).toBeLessThan(500);
  const location = response.headers.get("location");
  if (location) expect(new URL(location, origin).origin).toBe(origin);
  const callback = location ? new URL(location, origin).searchParams.get("callbackUrl") : null;
  if (callback) expect(new URL(callback, origin).origin).toBe(origin);
  if (callback) expect(new URL(callback, origin).pathname).not.toMatch(/^\/\//);
}

describe("Auth.js endpoints", () => {
  it.each(hostile)("GET /api/auth/signin?callbackUrl=%s answers a safe redirect, not 500", async (value) => {
    const response = await GET(new NextRequest(`${origin}/api/auth/signin?callbackUrl=${encodeURIComponent(value)}`));
    expectSafe(response);
    expect(response.status).toBe(302);
  });

  it.each(hostile)("a poisoned authjs.callback-url cookie (%s) breaks neither session, sign-in nor sign-out", async (value) => {
    const cookie = `authjs.callback-url=${encodeURIComponent(value)}; other=1`;
    for (const path of ["session", "signin", "signout", "csrf", "providers"]) {
      expectSafe(await GET(new NextRequest(`${origin}/api/auth/${path}`, { headers: { cookie } })));
    }
    const post = await POST(
      new NextRequest(`${origin}/api/auth/signout`, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: "csrfToken=x",
      }),
    );
    expectSafe(post);
  });

  it("a same-site callback is kept", async () => {
    const response = await GET(new NextRequest(`${origin}/api/auth/signin?callbackUrl=${encodeURIComponent("/orders/abc")}`));
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("location")!, origin).searchParams.get("callbackUrl")).toBe(`${origin}/orders/abc`);
  });
});
