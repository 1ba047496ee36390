// Thin typed client for the Proxmox VE API (DESIGN §5: not the GPL proxmox-api package). TLS is
// pinned to PROXMOX_CA_CERT_FILE: only that CA (or self-signed certificate) is trusted and
// verification is never turned off. Auth is an API token, so no ticket or CSRF token is kept.
import "server-only";
import fs from "node:fs";
import { Agent, fetch } from "undici";
import { env } from "@/lib/env";
import { ProxmoxError } from "@/lib/proxmox/errors";

type Params = Record<string, string | number | boolean | undefined>;
type Method = "GET" | "POST" | "PUT" | "DELETE";

let agent: Agent | undefined;
function pinnedAgent(): Agent {
  agent ??= new Agent({
    connect: { ca: fs.readFileSync(env().PROXMOX_CA_CERT_FILE, "utf8"), rejectUnauthorized: true },
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  return agent;
}

function encode(params: Params): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    body.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
  }
  return body;
}

export async function proxmoxRequest<T>(method: Method, path: string, params: Params = {}): Promise<T> {
  const { PROXMOX_API_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET } = env();
  const form = encode(params);
  const query = method === "GET" || method === "DELETE" ? `?${form}` : "";
  const response = await fetch(`${PROXMOX_API_URL.replace(/\/$/, "")}/api2/json${path}${query === "?" ? "" : query}`, {
    method,
    dispatcher: pinnedAgent(),
    headers: {
      authorization: `PVEAPIToken=${PROXMOX_TOKEN_ID}=${PROXMOX_TOKEN_SECRET}`,
      ...(query ? {} : { "content-type": "application/x-www-form-urlencoded" }),
    },
    body: query ? undefined : form.toString(),
    signal: AbortSignal.timeout(90_000),
  });
  const text = await response.text();
  let json: { data?: T; errors?: Record<string, string>; message?: string } = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // Some proxies answer HTML; the status text is all we have then.
  }
  if (!response.ok) {
    const message = (json.message ?? response.statusText ?? `HTTP ${response.status}`).trim();
    throw new ProxmoxError(response.status, message || `HTTP ${response.status}`, json.errors ?? null, `${method} ${path}`);
  }
  return json.data as T;
}

/** Forget the pinned agent (tests that restart the stand-in with a new certificate). */
export function resetProxmoxClient() {
  void agent?.close();
  agent = undefined;
}
