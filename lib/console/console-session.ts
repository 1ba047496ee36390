// Who is knocking on the console socket: the Auth.js session (JWT cookie) and the binding cookie
// set with the token. Read from the raw upgrade request, because server.ts runs outside Next.
import { getToken } from "next-auth/jwt";
import { findSessionUser } from "@/lib/auth/auth-session";
import { CONSOLE_BINDING_COOKIE } from "@/lib/console/console-rules";
import { env } from "@/lib/env";

export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export const readConsoleBinding = (cookieHeader: string | undefined) => readCookie(cookieHeader, CONSOLE_BINDING_COOKIE);

/**
 * The signed-in user's id from the session cookie (either name Auth.js uses), believed only while
 * its session row is live, as getUser() does (lib/auth/session.ts); null otherwise.
 */
export async function readSessionUserId(cookieHeader: string | undefined): Promise<string | null> {
  const headers = { cookie: cookieHeader ?? "" };
  for (const secureCookie of [true, false]) {
    const token = await getToken({ req: { headers }, secret: env().AUTH_SECRET, secureCookie }).catch(() => null);
    if (token?.sub && typeof token.sid === "string") return (await findSessionUser(token.sid, token.sub))?.id ?? null;
  }
  return null;
}
