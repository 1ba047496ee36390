// The edge: what a browser or `cloudflared access ssh` meets when it asks for a hostname in the
// zone. Reached as `/_edge/<hostname>/<path>` on the stand-in (or with a `Host:` in the zone).
//   1. DNS: the hostname needs a proxied CNAME to `<tunnel id>.cfargotunnel.com`.
//   2. Access: when an application covers the hostname, a request without a live application
//      token is redirected (302) to `/cdn-cgi/access/login/<hostname>` — the answer cloudflared
//      recognises as "log in first" (carrier.IsAccessResponse checks the Location path). A valid
//      token is forwarded as `Cf-Access-Jwt-Assertion`; one sent by the client is dropped, so the
//      origin only ever sees what the edge vouches for.
//   3. The tunnel: no live connector is Cloudflare's error 1033 (HTTP 530); otherwise the request
//      goes through a connector to the guest (the Proxmox stand-in), which applies the ingress
//      rules and `originRequest.access` itself, like cloudflared (proxy/proxy.go).
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AccessStore } from "./access";
import type { AccessTokens } from "./access-login";
import type { DnsStore } from "./dns";
import type { TunnelStore } from "./tunnels";

export const TUNNEL_TARGET = /^([0-9a-f-]{36})\.cfargotunnel\.com$/;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"]);

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cf-ray": "sim-edge", ...headers });
  res.end(body);
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

export interface EdgeDeps {
  dns: DnsStore;
  tunnels: TunnelStore;
  access: AccessStore;
  tokens: AccessTokens;
  /** The stand-in's own base URL (the login redirect points at it). */
  baseUrl(): string;
}

export interface EdgeRequestLogEntry {
  at: string;
  hostname: string;
  path: string;
  status: number;
  outcome: string;
}

export class Edge {
  readonly log: EdgeRequestLogEntry[] = [];

  constructor(private readonly deps: EdgeDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, hostname: string, pathAndQuery: string, body: Buffer) {
    const host = hostname.toLowerCase();
    const path = pathAndQuery.split("?")[0] || "/";
    const outcome = (status: number, what: string) => {
      this.log.push({ at: new Date().toISOString(), hostname: host, path, status, outcome: what });
      if (this.log.length > 500) this.log.shift();
    };

    const records = this.deps.dns.list().filter((r) => r.name === host);
    if (records.length === 0) {
      outcome(404, "no DNS record");
      return text(res, 404, `${host} does not resolve: no DNS record in the zone (sim edge)`);
    }
    const cname = records.find((r) => r.type === "CNAME" && r.proxied);
    const tunnelId = cname && TUNNEL_TARGET.exec(cname.content)?.[1];
    if (!tunnelId) {
      outcome(530, "not a tunnel");
      return text(res, 530, "error code: 1016");
    }

    const forwarded: Record<string, string> = {};
    const app = this.deps.access.appFor(host, path);
    if (app && !this.deps.tokens.bypasses(app)) {
      const token = (req.headers["cf-access-token"] as string | undefined) ?? cookie(req, "CF_Authorization");
      const claims = this.deps.tokens.check(token, app);
      if (!claims) {
        const location = `${this.deps.baseUrl()}/cdn-cgi/access/login/${host}?kid=${app.aud}&redirect_url=${encodeURIComponent(pathAndQuery)}`;
        outcome(302, token ? "Access: token refused" : "Access: no token");
        res.writeHead(302, { location, "content-type": "text/html", "cf-ray": "sim-edge" });
        return res.end(`<a href="${location}">Sign in with Cloudflare Access</a>`);
      }
      forwarded["cf-access-jwt-assertion"] = token!;
      forwarded["cf-access-authenticated-user-email"] = claims.email;
    }

    const connector = this.deps.tunnels.liveConnectors(tunnelId).find((c) => c.originUrl);
    if (!connector?.originUrl) {
      outcome(530, "no connector (1033)");
      return text(res, 530, "error code: 1033");
    }
    await this.#forward(req, res, connector.originUrl, host, pathAndQuery, forwarded, body, outcome);
  }

  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    originUrl: string,
    host: string,
    pathAndQuery: string,
    forwarded: Record<string, string>,
    body: Buffer,
    outcome: (status: number, what: string) => void,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(k) || k.startsWith("cf-access-") || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    Object.assign(headers, forwarded, { "x-sim-edge-host": host, "x-sim-edge-path": pathAndQuery, "content-length": String(body.length) });
    return new Promise((resolve) => {
      const upstream = httpRequest(`${originUrl}/_cloudflared/proxy`, { method: req.method, headers }, (answer) => {
        outcome(answer.statusCode ?? 502, "forwarded to the connector");
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
        answer.on("end", () => resolve());
      });
      upstream.on("error", () => {
        outcome(502, "connector unreachable");
        if (!res.headersSent) text(res, 502, "error code: 502");
        resolve();
      });
      upstream.end(body);
    });
  }
}
