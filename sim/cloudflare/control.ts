// `/_sim/*` controls and the `/cdn-cgi/access/*` pages of the Cloudflare stand-in: state, reset,
// faults, the rate limit, the token's kind and permissions, tunnels connecting (by hand or as the
// Proxmox stand-in's guests running cloudflared with their token), and Access logins for tests
// (the one-time PIN a test reads from `/_sim/access/pins` instead of a mailbox).
import type { IncomingMessage, ServerResponse } from "node:http";
import { escapeHtml as e, parseBody, readBody, sendHtml, sendJson } from "../shared/http";
import type { AccessStore } from "./access";
import type { AccessTokens, LoginOutcome } from "./access-login";
import type { ApiToken } from "./api-token";
import type { DnsStore } from "./dns";
import type { Edge } from "./edge";
import { CfError } from "./envelope";
import { handleFaultRoutes, type FaultBook, type RequestLog } from "./faults";
import type { CloudflareSimOptions } from "./index";
import { renderCloudflarePage } from "./page";
import type { RateLimiter } from "./rate-limit";
import type { TunnelStore } from "./tunnels";

export interface ControlDeps {
  options: CloudflareSimOptions;
  tunnels: TunnelStore;
  dns: DnsStore;
  access: AccessStore;
  accessTokens: AccessTokens;
  edge: Edge;
  faults: FaultBook;
  log: RequestLog;
  rateLimit: RateLimiter;
  apiToken: ApiToken;
  apiUrl(): string;
  reset(): void;
}

type Body = Record<string, unknown>;

async function jsonBody(req: IncomingMessage): Promise<Body> {
  const parsed = parseBody(req, await readBody(req));
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Body) : {};
}

/** Logs in to the application covering `hostname`; without `pin` the PIN step is done for the test. */
export function accessLogin(d: ControlDeps, body: Body): LoginOutcome & { status: number } {
  const hostname = String(body.hostname ?? "").toLowerCase();
  const email = String(body.email ?? "");
  const app = d.access.appFor(hostname, String(body.path ?? "/"));
  if (!app) return { ok: false, reason: `no Access application covers ${hostname}`, status: 404 };
  let outcome: LoginOutcome;
  if (typeof body.idp === "string") outcome = d.accessTokens.login(app, { email, idp: body.idp });
  else {
    const pin = typeof body.pin === "string" ? body.pin : d.accessTokens.sendPin(email);
    outcome = d.accessTokens.loginWithPin(app, email, pin);
  }
  return { ...outcome, status: outcome.ok ? 200 : 403 };
}

function state(d: ControlDeps) {
  return {
    tunnels: d.tunnels.list().map((t) => ({
      ...t,
      configuration: d.tunnels.configurationOf(t.id),
      connectors: t.deleted_at ? [] : d.tunnels.connectors(t.id),
    })),
    dns_records: d.dns.list(),
    access_apps: d.access.apps().map((a) => ({ ...d.access.viewApp(a), revoked_before: a.revokedBefore ? new Date(a.revokedBefore).toISOString() : null })),
    access_policies: d.access.reusablePolicies().map((p) => d.access.viewPolicy(p)),
    rate_limit: d.rateLimit.state(),
  };
}

function loginPage(host: string, redirect: string, step: "email" | "pin", email = "", message = "") {
  const field =
    step === "email"
      ? `<label>Email <input name="email" type="email" value="${e(email)}" required></label>`
      : `<input type="hidden" name="email" value="${e(email)}"><label>Code sent to ${e(email)} <input name="pin" required></label>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in · Cloudflare Access (sim)</title></head><body style="font:14px system-ui;margin:2rem">
<h1>Sign in to ${e(host)}</h1><p>${e(message)}</p>
<form method="post"><input type="hidden" name="redirect_url" value="${e(redirect)}">${field}<button>Continue</button></form>
<p><small>Cloudflare Access stand-in: the one-time PIN is listed at <a href="/_sim/access/pins">/_sim/access/pins</a>.</small></p></body></html>`;
}

async function handleLoginPage(d: ControlDeps, req: IncomingMessage, res: ServerResponse, host: string, url: URL) {
  if (req.method === "GET") return sendHtml(res, 200, loginPage(host, url.searchParams.get("redirect_url") ?? "/", "email"));
  const form = await jsonBody(req);
  const email = String(form.email ?? "");
  const redirect = String(form.redirect_url ?? "/");
  if (!form.pin) {
    d.accessTokens.sendPin(email);
    return sendHtml(res, 200, loginPage(host, redirect, "pin", email, "We emailed you a code."));
  }
  const outcome = accessLogin(d, { hostname: host, email, pin: form.pin, path: redirect });
  if (!outcome.ok) return sendHtml(res, 403, loginPage(host, redirect, "email", email, outcome.reason));
  res.writeHead(302, {
    location: `/_edge/${host}${redirect.startsWith("/") ? redirect : "/"}`,
    "set-cookie": `CF_Authorization=${outcome.token}; Path=/_edge/${host}; HttpOnly; SameSite=Lax`,
  });
  res.end();
}

export async function handleControl(d: ControlDeps, req: IncomingMessage, res: ServerResponse, url: URL) {
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (await handleFaultRoutes(req, res, path, d.faults, d.log)) return;
  // HTML forms on the page post here; answer them with a redirect back instead of JSON.
  const fromForm = (req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded");
  const done = (body: unknown) => {
    if (!fromForm) return sendJson(res, 200, body);
    res.writeHead(303, { location: "/_sim" });
    res.end();
  };
  const fail = (error: unknown) => sendJson(res, error instanceof CfError ? error.status : 400, { error: (error as Error).message });
  const tunnelAction = path.match(/^\/_sim\/tunnels\/([^/]+)\/(connect|disconnect|fail-connection)$/);
  const login = path.match(/^\/cdn-cgi\/access\/login\/([^/]+)$/);

  try {
    if (method === "GET" && path === "/_sim") return sendHtml(res, 200, renderCloudflarePage({ ...d.options, ...d, apiUrl: d.apiUrl() }));
    if (method === "GET" && path === "/_sim/health") return sendJson(res, 200, { ok: true, name: "cloudflare" });
    if (method === "GET" && path === "/_sim/state") return sendJson(res, 200, state(d));
    if (method === "POST" && path === "/_sim/reset") {
      d.reset();
      return done({ ok: true });
    }
    if (method === "GET" && path === "/_sim/edge") return sendJson(res, 200, { requests: d.edge.log });
    if (path === "/_sim/rate-limit") {
      if (method === "PUT" || method === "POST") d.rateLimit.configure((await jsonBody(req)) as { limit?: number; windowMs?: number });
      if (method === "DELETE") d.rateLimit.reset();
      return sendJson(res, 200, d.rateLimit.state());
    }
    if (path === "/_sim/token") {
      if (method === "PUT") {
        const body = await jsonBody(req);
        d.apiToken.model = {
          kind: body.kind === "account" ? "account" : body.kind === "user" ? "user" : d.apiToken.model.kind,
          permissions: body.permissions === undefined ? d.apiToken.model.permissions : (body.permissions as string[] | null),
        };
      }
      return sendJson(res, 200, d.apiToken.model);
    }
    if (method === "POST" && tunnelAction) {
      const [, id, action] = tunnelAction;
      if (action === "connect") {
        const body = await jsonBody(req);
        return done({ tunnel: d.tunnels.connect(id, Number(body.connections ?? body.connectors) || 4) });
      }
      if (action === "fail-connection") return done({ tunnel: d.tunnels.failOneConnection(id) });
      d.tunnels.dropConnections(id);
      return done({ tunnel: d.tunnels.get(id) });
    }
    if (method === "POST" && path === "/_sim/cloudflared/register") {
      const body = await jsonBody(req);
      const { tunnelId, connector } = d.tunnels.register(String(body.token ?? ""), { originUrl: String(body.originUrl ?? "") || undefined });
      return sendJson(res, 200, { tunnelId, clientId: connector.id, configuration: d.tunnels.getConfiguration(tunnelId) });
    }
    if (method === "POST" && path === "/_sim/cloudflared/unregister") {
      const body = await jsonBody(req);
      d.tunnels.unregister(String(body.tunnelId), String(body.clientId));
      return sendJson(res, 200, { ok: true });
    }
    if (method === "POST" && path === "/_sim/cloudflared/ack") {
      const body = await jsonBody(req);
      d.tunnels.ackConfiguration(String(body.tunnelId), String(body.clientId), Number(body.version));
      return sendJson(res, 200, { ok: true });
    }
    if (method === "POST" && path === "/_sim/access/login") {
      const outcome = accessLogin(d, await jsonBody(req));
      return sendJson(res, outcome.status, outcome.ok ? { token: outcome.token, claims: outcome.claims } : { error: outcome.reason });
    }
    if (method === "POST" && path === "/_sim/access/pin") return sendJson(res, 200, { pin: d.accessTokens.sendPin(String((await jsonBody(req)).email ?? "")) });
    if (method === "GET" && path === "/_sim/access/pins") return sendJson(res, 200, { pins: Object.fromEntries(d.accessTokens.pins) });
    if (method === "GET" && path === "/cdn-cgi/access/certs") {
      const team = url.searchParams.get("team");
      if (team && team !== d.options.accessTeam) return sendJson(res, 404, { error: `no team ${team} here` });
      return sendJson(res, 200, d.accessTokens.certs());
    }
    if (login && (method === "GET" || method === "POST")) return await handleLoginPage(d, req, res, login[1].toLowerCase(), url);
  } catch (error) {
    return fail(error);
  }
  sendJson(res, 404, { error: `no control route ${method} ${path}` });
}
