// The client address the sign-in rate limit keys on. Only server.ts can know it: it owns the
// socket. Plain `next start` does not help: Next 16 only fills `x-forwarded-for` when the client
// did not send one (`req.headers['x-forwarded-for'] ??= socket.remoteAddress`, next/dist/server/
// base-server.js), and passes any `x-labvps-client-ip` through untouched, so inside Next every
// header is whatever the client wrote. server.ts therefore stamps each request with the address
// *and* a per-process secret; a header without that secret is not believed. Plain `next start`
// has no secret, so it is not a supported start mode (it also lacks the console WebSocket):
// proxy.ts answers 503 there instead of serving with a forgeable limit.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const CLIENT_IP_HEADER = "x-labvps-client-ip";
export const SERVER_STAMP_HEADER = "x-labvps-server-stamp";
// Set by server.ts at start-up, fresh for every process; never configured by hand.
const STAMP_ENV = "LABVPS_SERVER_STAMP";
type Env = Record<string, string | undefined>;

/** server.ts: a fresh secret for this process, set before Next is loaded. */
export function initServerStamp(env: Env = process.env): string {
  env[STAMP_ENV] = randomBytes(24).toString("base64url");
  return env[STAMP_ENV];
}

/**
 * server.ts: overwrite whatever the client sent with the socket's address. Behind a proxy we were
 * told to trust (TRUST_PROXY), the LAST X-Forwarded-For entry: the one that proxy appended;
 * earlier entries are whatever the client wrote.
 */
export function stampClientAddress(req: IncomingMessage, opts: { trustProxy: boolean; stamp: string }) {
  const forwarded = req.headers["x-forwarded-for"];
  const last = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded)?.split(",").at(-1)?.trim();
  req.headers[CLIENT_IP_HEADER] = (opts.trustProxy && last) || req.socket.remoteAddress || "unknown";
  req.headers[SERVER_STAMP_HEADER] = opts.stamp;
}

/** Whether server.ts stamped this request (in this process). */
export function hasServerStamp(headers: Headers, env: Env = process.env): boolean {
  const expected = env[STAMP_ENV];
  const got = headers.get(SERVER_STAMP_HEADER);
  if (!expected || !got) return false;
  const [a, b] = [Buffer.from(expected), Buffer.from(got)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The stamped client address, or null when the request did not come through server.ts. */
export function readClientAddress(headers: Headers, env: Env = process.env): string | null {
  return hasServerStamp(headers, env) ? headers.get(CLIENT_IP_HEADER) : null;
}
