// The one way server code learns who is asking. Pages and actions call these, never auth() directly.
import "server-only";
import { cache } from "react";
import { forbidden, redirect } from "next/navigation";
import { auth } from "@/lib/auth";
import { findSessionUser } from "@/lib/auth/auth-session";
import { env } from "@/lib/env";

export type SessionUser = NonNullable<Awaited<ReturnType<typeof getUser>>>;

/** Auth.js's view of the cookie, once per request: user id and session token. */
const readSession = cache(async () => {
  const session = await auth();
  const id = session?.user?.id;
  const token = (session as { sessionToken?: unknown } | null)?.sessionToken;
  return id && typeof token === "string" ? { id, token } : null;
});

/**
 * The signed-in user, re-read from the database once per request; null when signed out, when the
 * session was ended (signed out elsewhere, password changed, account disabled) or has expired.
 */
export const getUser = cache(async () => {
  const session = await readSession();
  return session ? findSessionUser(session.token, session.id) : null;
});

/** The session token of the signed-in browser (to keep it when ending the user's other sessions). */
export async function currentSessionToken(): Promise<string | null> {
  return (await getUser()) ? ((await readSession())?.token ?? null) : null;
}

/** The signed-in user, or a redirect to sign-in that comes back to `returnTo`. */
export async function requireUser(returnTo?: string): Promise<SessionUser> {
  const user = await getUser();
  if (!user) redirect(returnTo ? `/sign-in?next=${encodeURIComponent(returnTo)}` : "/sign-in");
  return user;
}

/**
 * An admin, or 403 for a signed-in customer (and sign-in for everyone else). With
 * ADMIN_REQUIRE_2FA the operator first turns two-factor sign-in on.
 */
export async function requireAdmin(returnTo = "/admin"): Promise<SessionUser> {
  const user = await requireUser(returnTo);
  if (user.role !== "admin") forbidden();
  if (env().ADMIN_REQUIRE_2FA && !user.totpEnabledAt) redirect("/account/two-factor?required=1");
  return user;
}
