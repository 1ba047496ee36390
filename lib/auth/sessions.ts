// The signed-in browsers of an account, for /account: each can be signed out, or all but this one.
import { db } from "@/lib/db";
import { endUserSessions, sessionIdOf } from "@/lib/auth/auth-session";
import { describeDevice } from "@/lib/auth/device";
import { recordSecurityEvent } from "@/lib/auth/security-events";

export type SessionView = { id: string; device: string; signedInAt: Date; lastSeenAt: Date; current: boolean };

export async function listUserSessions(userId: string, currentToken: string | null, now = new Date()): Promise<SessionView[]> {
  const currentId = currentToken ? await sessionIdOf(currentToken) : null;
  const rows = await db.session.findMany({
    where: { userId, expires: { gt: now } },
    orderBy: { lastSeenAt: "desc" },
    select: { id: true, userAgent: true, createdAt: true, lastSeenAt: true },
  });
  return rows
    .map((r) => ({ id: r.id, device: describeDevice(r.userAgent), signedInAt: r.createdAt, lastSeenAt: r.lastSeenAt, current: r.id === currentId }))
    .sort((a, b) => Number(b.current) - Number(a.current));
}

/** Signs out one of the user's own sessions (another user's id ends nothing: I5). */
export async function endOwnSession(userId: string, sessionId: string): Promise<boolean> {
  const { count } = await db.session.deleteMany({ where: { id: sessionId, userId } });
  if (count === 1) await recordSecurityEvent(userId, "user.session_ended");
  return count === 1;
}

export async function endOtherSessions(userId: string, currentToken: string | null): Promise<number> {
  const ended = await endUserSessions(userId, currentToken ?? undefined);
  if (ended > 0) await recordSecurityEvent(userId, "user.other_sessions_ended", { ended });
  return ended;
}

/** "3 minutes ago": the time is approximate (lib/auth/auth-session.ts writes it every few minutes). */
export function approximateAgo(at: Date, now = new Date()): string {
  const minutes = Math.round((now.getTime() - at.getTime()) / 60_000);
  if (minutes < 5) return "just now";
  if (minutes < 60) return `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} hour${hours === 1 ? "" : "s"} ago`;
  const days = Math.round(hours / 24);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}
