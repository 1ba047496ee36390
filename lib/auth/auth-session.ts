// Server-side sessions under Auth.js's JWT cookie. A JWT alone stays valid until it expires (30
// days) whatever happens, so the cookie also carries a random session token whose SHA-256 is a
// row in `sessions`; getUser() believes a cookie only while its row exists. Ending a session is
// deleting its row: sign-out, a password change (every other session) and a disabled account
// (all of them) take effect on the very next request.
import { createHash, randomBytes } from "node:crypto";
import { db } from "@/lib/db";

export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

type Client = Pick<typeof db, "session">;

/** Only the hash is stored: the database alone cannot be turned into a live session (I9). */
const keyOf = (token: string) => createHash("sha256").update(token).digest("base64url");

/** At sign-in: a new session row; the returned token goes into the JWT. */
export async function startSession(userId: string, now = new Date(), userAgent: string | null = null): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await db.session.create({
    data: {
      sessionToken: keyOf(token),
      userId,
      expires: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000),
      createdAt: now,
      lastSeenAt: now,
      userAgent: userAgent?.slice(0, 400) ?? null,
    },
  });
  return token;
}

// "Last active" on /account is approximate: written at most this often, not on every request.
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

/** The user of a live session: the row exists, belongs to `userId`, has not expired, account not disabled. */
export async function findSessionUser(token: string, userId: string, now = new Date()) {
  const row = await db.session.findUnique({
    where: { sessionToken: keyOf(token) },
    select: {
      id: true,
      userId: true,
      expires: true,
      lastSeenAt: true,
      user: { select: { id: true, email: true, name: true, role: true, disabledAt: true, emailVerified: true, totpEnabledAt: true } },
    },
  });
  if (!row || row.userId !== userId || row.expires <= now || row.user.disabledAt) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await db.session.updateMany({ where: { id: row.id, lastSeenAt: row.lastSeenAt }, data: { lastSeenAt: now } });
  }
  const { disabledAt: _disabled, ...user } = row.user;
  return user;
}

export async function endSession(token: string, client: Client = db) {
  await client.session.deleteMany({ where: { sessionToken: keyOf(token) } });
}

/** The session row of this browser's token (to mark "this browser" on /account). */
export async function sessionIdOf(token: string): Promise<string | null> {
  return (await db.session.findUnique({ where: { sessionToken: keyOf(token) }, select: { id: true } }))?.id ?? null;
}

/** Every session of the user, except `keep` (the browser that asked) when given. Returns how many ended. */
export async function endUserSessions(userId: string, keep?: string, client: Client = db): Promise<number> {
  const { count } = await client.session.deleteMany({ where: { userId, ...(keep ? { NOT: { sessionToken: keyOf(keep) } } : {}) } });
  return count;
}
