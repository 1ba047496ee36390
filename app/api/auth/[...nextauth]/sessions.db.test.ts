// Through the real Auth.js routes: signing in creates a session row, signing out (POST
// /api/auth/signout, which the header's sign-out action also ends in) deletes it, so a cookie
// copied before sign-out is worthless afterwards.
import { describe, expect, it, vi } from "vitest";
vi.mock("server-only", () => ({}));
import { NextRequest } from "next/server";
import { db } from "@/lib/db";
import { hashPassword } from "@/lib/auth/password";
import { findSessionUser } from "@/lib/auth/auth-session";
import { decode } from "next-auth/jwt";
import { createUser } from "@/test/fixtures/vm";
import { GET, POST } from "./route";

const origin = "http://localhost:3000";
const stamp = "test-stamp-0123456789abcdefghij";
process.env.LABVPS_SERVER_STAMP = stamp;
const stamped = { "x-labvps-server-stamp": stamp, "x-labvps-client-ip": "192.0.2.50" };

/** Cookies a browser would keep from a response (name → value). */
const jar = new Map<string, string>();
function keep(response: Response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { ...stamped, cookie: cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

describe("Auth.js sign-in and sign-out", () => {
  it("sign-in starts a session row; sign-out ends it and the copied cookie no longer resolves to a user", async () => {
    const user = await createUser();
    await db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword("purple tunnel lab 42") } });
    const csrf = await GET(new NextRequest(`${origin}/api/auth/csrf`, { headers: stamped }));
    keep(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };

    const signIn = await POST(
      new NextRequest(
        `${origin}/api/auth/callback/credentials`,
        form({ email: user.email, password: "purple tunnel lab 42", csrfToken, callbackUrl: "/dashboard" }),
      ),
    );
    expect(signIn.status).toBe(302);
    keep(signIn);
    const jwt = await decode({ token: jar.get("authjs.session-token")!, secret: process.env.AUTH_SECRET!, salt: "authjs.session-token" });
    expect(jwt?.sub).toBe(user.id);
    const sid = jwt?.sid as string;
    expect(await findSessionUser(sid, user.id)).toMatchObject({ id: user.id });
    expect(await db.session.count({ where: { userId: user.id } })).toBe(1);
    const copied = cookieHeader();

    const signOut = await POST(new NextRequest(`${origin}/api/auth/signout`, form({ csrfToken })));
    expect(signOut.status).toBe(302);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await findSessionUser(sid, user.id)).toBeNull();
    // Auth.js itself still decodes the copied JWT; only our row check (getUser) refuses it.
    const session = await GET(new NextRequest(`${origin}/api/auth/session`, { headers: { ...stamped, cookie: copied } }));
    expect(((await session.json()) as { user?: { id: string } } | null)?.user?.id).toBe(user.id);
  });
});
