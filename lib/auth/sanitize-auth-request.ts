// Auth.js validates the callback URL (query `callbackUrl` and the `authjs.callback-url` cookie)
// before it routes a request, and answers any value it cannot parse as a URL (`\\evil.test`,
// `javascript:…`) with HTTP 500 (@auth/core lib/utils/assert.js → "server configuration" error).
// A cookie is enough to trigger it, so a poisoned cookie (set by a sibling subdomain, say) would
// break every /api/auth call for that browser. We drop any callback value that is not one of our
// own pages before Auth.js sees it; Auth.js then falls back to its default (the site root).
import { NextRequest } from "next/server";
import { safeReturnPath } from "@/lib/auth/return-path";

const CALLBACK_COOKIES = new Set(["authjs.callback-url", "__Secure-authjs.callback-url"]);

/** A callback Auth.js may follow: a same-site path, or an absolute URL on our own origin. */
export function isOwnCallback(value: string, origin: string): boolean {
  if (value.startsWith("/")) return safeReturnPath(value, "") !== "";
  try {
    const url = new URL(value);
    return url.origin === origin && safeReturnPath(`${url.pathname}${url.search}`, "") !== "";
  } catch {
    return false;
  }
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function sanitizeAuthRequest(request: NextRequest): NextRequest {
  const url = new URL(request.url);
  let changed = false;
  for (const value of url.searchParams.getAll("callbackUrl")) {
    if (isOwnCallback(value, url.origin)) continue;
    url.searchParams.delete("callbackUrl");
    changed = true;
    break;
  }
  const headers = new Headers(request.headers);
  const cookies = (request.headers.get("cookie") ?? "").split(";").filter((pair) => {
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const keep = eq < 0 || !CALLBACK_COOKIES.has(name) || isOwnCallback(decode(pair.slice(eq + 1).trim()), url.origin);
    if (!keep) changed = true;
    return keep;
  });
  if (!changed) return request;
  if (cookies.join(";").trim()) headers.set("cookie", cookies.join(";"));
  else headers.delete("cookie");
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return new NextRequest(url, {
    method: request.method,
    headers,
    body: hasBody ? request.body : null,
    signal: request.signal,
    ...(hasBody ? { duplex: "half" } : {}),
  });
}
