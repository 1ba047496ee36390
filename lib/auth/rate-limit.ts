// Sign-in rate limit: failed attempts are counted per email and per client address over a sliding
// window, in the database so the limit holds across restarts and processes.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { readClientAddress } from "@/lib/http/client-address";

export type LoginLimit = { limited: false } | { limited: true; retryAfterMinutes: number };

export async function checkLoginLimit(email: string, ip: string, now = new Date()): Promise<LoginLimit> {
  const { LOGIN_MAX_FAILURES_PER_EMAIL, LOGIN_MAX_FAILURES_PER_IP, LOGIN_WINDOW_MINUTES } = env();
  const since = new Date(now.getTime() - LOGIN_WINDOW_MINUTES * 60_000);
  const [byEmail, byIp] = await Promise.all([
    db.loginAttempt.findMany({ where: { email, success: false, createdAt: { gt: since } }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
    db.loginAttempt.findMany({ where: { ip, success: false, createdAt: { gt: since } }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
  ]);
  const blocking = [
    byEmail.length >= LOGIN_MAX_FAILURES_PER_EMAIL ? byEmail[byEmail.length - LOGIN_MAX_FAILURES_PER_EMAIL] : undefined,
    byIp.length >= LOGIN_MAX_FAILURES_PER_IP ? byIp[byIp.length - LOGIN_MAX_FAILURES_PER_IP] : undefined,
  ].filter((a): a is { createdAt: Date } => Boolean(a));
  if (!blocking.length) return { limited: false };
  // Allowed again once the oldest failure that keeps the count at the limit leaves the window.
  const freeAt = Math.max(...blocking.map((a) => a.createdAt.getTime() + LOGIN_WINDOW_MINUTES * 60_000));
  return { limited: true, retryAfterMinutes: Math.max(1, Math.ceil((freeAt - now.getTime()) / 60_000)) };
}

export async function recordLoginAttempt(email: string, ip: string, success: boolean) {
  await db.loginAttempt.create({ data: { email, ip, success } });
}

/** The client address as server.ts stamped it on the request (never a client-supplied value). */
export function clientIp(headers: Headers): string {
  const address = readClientAddress(headers);
  // Fail closed: without server.ts's stamp the address is the client's own claim.
  if (!address) throw new Error("no client address stamped by server.ts (plain `next start` is not supported)");
  return address;
}
