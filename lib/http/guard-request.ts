// What proxy.ts does for every request Next routes (server.ts's Stripe fast path never gets here):
//   1. refuse a request server.ts did not stamp (plain `next start`: see client-address.ts);
//   2. answer 403 to a server action posted from another origin (Next would throw → HTTP 500);
//   3. set a fresh CSP nonce (and HSTS on https) for the page about to render.
import { NextResponse, type NextRequest } from "next/server";
import { hasServerStamp } from "@/lib/http/client-address";
import { contentSecurityPolicy, strictTransportSecurity } from "@/lib/http/security-headers";

export type GuardConfig = { dev: boolean; appUrl: string; stripeUrl?: string };

const plain = (status: number, text: string) =>
  new NextResponse(text, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });

/**
 * The same test Next's action handler makes (next/dist/server/app-render/action-handler.js): the
 * Origin's host must equal X-Forwarded-Host's first entry, else Host. No Origin passes, as there
 * (a hand-made request carries no browser's cookies); "null" and garbage do not.
 */
export function isCrossOriginPost(request: NextRequest): boolean {
  if (request.method !== "POST" || request.nextUrl.pathname.startsWith("/api/")) return false;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  let originHost: string;
  try {
    originHost = origin === "null" ? "null" : new URL(origin).host;
  } catch {
    return true;
  }
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host");
  return !host || originHost !== host;
}

/** `config` is read only for stamped requests: plain `next start` gets its 503 even without an environment. */
export function guardRequest(request: NextRequest, getConfig: () => GuardConfig, env: Record<string, string | undefined> = process.env): NextResponse {
  if (!hasServerStamp(request.headers, env)) {
    return plain(503, "Lab VPS must be started through server.ts (npm start, npm run dev or npm run start:local), not plain `next start`.\n");
  }
  if (isCrossOriginPost(request)) return plain(403, "Cross-origin form posts are refused.\n");
  const config = getConfig();
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64");
  const csp = contentSecurityPolicy({ nonce, ...config });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  const hsts = strictTransportSecurity(config.appUrl);
  if (hsts) response.headers.set("strict-transport-security", hsts);
  return response;
}
