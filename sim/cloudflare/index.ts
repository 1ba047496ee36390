// Cloudflare API stand-in: the real `cloudflare` SDK talks to it unchanged through
// `new Cloudflare({ apiToken, baseURL: handle.apiUrl })` (or env CLOUDFLARE_BASE_URL). It also
// plays the edge (`/_edge/<hostname>/…`, edge.ts), the Access login (access-login.ts) and the
// other end of cloudflared (`/_sim/cloudflared/*`, used by the Proxmox stand-in's guests).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, parseBody, readBody } from "../shared/http";
import { AccessStore, accessRoutes, type IdentityProvider } from "./access";
import { AccessTokens } from "./access-login";
import { ApiToken, type TokenKind } from "./api-token";
import { handleControl, type ControlDeps } from "./control";
import { DnsStore, dnsRoutes } from "./dns";
import { Edge } from "./edge";
import { CfError, route, sendError, sendResult, type Route } from "./envelope";
import { FaultBook, RequestLog, retryHeaders, sleep, type FaultSpec } from "./faults";
import { CLOUDFLARE_RATE_LIMIT, RateLimitedError, RateLimiter, type RateLimitSettings } from "./rate-limit";
import { TunnelStore, tunnelRoutes, type Tunnel } from "./tunnels";

export interface CloudflareSimOptions {
  port: number;
  host: string;
  apiToken: string;
  accountId: string;
  zoneId: string;
  zoneName: string;
  /** The Zero Trust team: Access's auth domain is `<team>.cloudflareaccess.com`. */
  accessTeam: string;
  /** A user API token (verified at /user/tokens/verify) or an account-owned one. */
  tokenKind: TokenKind;
  /** Permission groups the token holds; null = all of them. */
  tokenPermissions: string[] | null;
  rateLimit: RateLimitSettings;
}

export interface CloudflareSimHandle {
  name: "cloudflare";
  url: string;
  port: number;
  /** What the SDK's `baseURL` must be: `${url}/client/v4`. */
  apiUrl: string;
  /** Variables the app needs to reach this stand-in. */
  env: Record<string, string>;
  options: CloudflareSimOptions;
  close(): Promise<void>;
  tunnels: TunnelStore;
  dns: DnsStore;
  access: AccessStore;
  accessTokens: AccessTokens;
  edge: Edge;
  faults: FaultBook;
  requests: RequestLog;
  rateLimit: RateLimiter;
  apiToken: ApiToken;
  /** The identity providers: a one-time PIN provider and an "SSO" one (for CLOUDFLARE_ACCESS_IDP_ID). */
  identityProviders: IdentityProvider[];
  connectTunnel(id: string, connections?: number): Tunnel;
  /** `${url}/_edge/<hostname><path>`: where a client reaches a hostname through the edge. */
  edgeUrl(hostname: string, path?: string): string;
  reset(): void;
}

const API_PREFIX = "/client/v4";
export const SIM_OTP_IDP_ID = "5f0c9b1e-0000-4000-8000-00000000a001";
export const SIM_SSO_IDP_ID = "5f0c9b1e-0000-4000-8000-00000000a002";
const DEFAULTS: CloudflareSimOptions = {
  port: 12113,
  host: "127.0.0.1",
  apiToken: "sim-cloudflare-token",
  accountId: "sim-account",
  zoneId: "sim-zone",
  zoneName: "lab.localhost",
  accessTeam: "labvps-sim",
  tokenKind: "user",
  tokenPermissions: null,
  rateLimit: CLOUDFLARE_RATE_LIMIT,
};

export function cloudflareSimOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CloudflareSimOptions {
  const port = Number(env.CLOUDFLARE_SIM_PORT ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CLOUDFLARE_SIM_PORT is not a port: ${env.CLOUDFLARE_SIM_PORT}`);
  const kind = env.CLOUDFLARE_SIM_TOKEN_KIND || "user";
  if (kind !== "user" && kind !== "account") throw new Error(`CLOUDFLARE_SIM_TOKEN_KIND must be user or account, not ${kind}`);
  return {
    ...DEFAULTS,
    port,
    apiToken: env.CLOUDFLARE_API_TOKEN || DEFAULTS.apiToken,
    accountId: env.CLOUDFLARE_ACCOUNT_ID || DEFAULTS.accountId,
    zoneId: env.CLOUDFLARE_ZONE_ID || DEFAULTS.zoneId,
    zoneName: env.BASE_DOMAIN || DEFAULTS.zoneName,
    accessTeam: env.CLOUDFLARE_ACCESS_TEAM || DEFAULTS.accessTeam,
    tokenKind: kind,
  };
}

// Cloudflare answers an id it cannot resolve with 7003 + 7000; we answer 404 so the SDK raises NotFoundError.
const noRoute = (path: string) =>
  new CfError(404, 7003, `Could not route to ${API_PREFIX}${path}, perhaps your object identifier is invalid?`, [
    { code: 7000, message: "No route for that URI" },
  ]);

function faultError(status: number): CfError {
  if (status === 429) return new CfError(429, 971, "Please wait and consider throttling your request speed");
  return new CfError(status, 10000 + (status % 1000), status >= 500 ? "Internal Server Error (simulated)" : "Simulated failure");
}

export async function startCloudflareSim(overrides: Partial<CloudflareSimOptions> = {}): Promise<CloudflareSimHandle> {
  const options = { ...DEFAULTS, ...overrides };
  const tunnels = new TunnelStore(options.accountId);
  const dns = new DnsStore(options.zoneId, options.zoneName);
  const identityProviders: IdentityProvider[] = [
    { id: SIM_OTP_IDP_ID, name: "One-time PIN", type: "onetimepin", config: {} },
    { id: SIM_SSO_IDP_ID, name: "Sim SSO", type: "oidc", config: { client_id: "sim" } },
  ];
  const access = new AccessStore(options.accessTeam, identityProviders);
  const accessTokens = new AccessTokens(access);
  const faults = new FaultBook();
  const log = new RequestLog();
  const rateLimit = new RateLimiter({ ...options.rateLimit });
  const apiToken = new ApiToken({ kind: options.tokenKind, permissions: options.tokenPermissions });
  const edge = new Edge({ dns, tunnels, access, tokens: accessTokens, baseUrl: () => handle.url });
  const zone = {
    id: options.zoneId,
    name: options.zoneName,
    status: "active",
    paused: false,
    type: "full",
    account: { id: options.accountId, name: "Lab VPS (sim)" },
  };
  const routes: Route[] = [
    ...tunnelRoutes(tunnels),
    ...dnsRoutes(dns),
    ...accessRoutes(access),
    route("GET", "/zones", ({ query }) => ({
      result: [zone].filter((z) => !query.get("name") || z.name === query.get("name")),
      result_info: { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 },
    })),
    route("GET", "/zones/:zone", () => ({ result: zone })),
    route("GET", "/user/tokens/verify", () => ({ result: apiToken.verifyResult() })),
    route("GET", "/accounts/:account/tokens/verify", () => ({ result: apiToken.verifyResult() })),
    route("GET", "/user/tokens/:id", ({ params }) => ({ result: apiToken.details(params.id, options.accountId, options.zoneId) })),
    route("GET", "/accounts/:account/tokens/:id", ({ params }) => ({ result: apiToken.details(params.id, options.accountId, options.zoneId) })),
  ];

  // Cloudflare pushes a new remote configuration to running connectors; a connector whose
  // connections the API removed reconnects (cloudflared retries), unless its tunnel is gone.
  tunnels.hooks = {
    configured(tunnelId, configuration, connectors) {
      for (const c of connectors.filter((c) => c.originUrl)) {
        void fetch(`${c.originUrl}/_cloudflared/config`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ version: configuration.version, config: configuration.config }),
        })
          .then((r) => r.ok && tunnels.ackConfiguration(tunnelId, c.id, configuration.version))
          .catch(() => undefined);
      }
    },
    connectorDropped(_tunnelId, connector) {
      if (connector.originUrl) void fetch(`${connector.originUrl}/_cloudflared/dropped`, { method: "POST" }).catch(() => undefined);
    },
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    const fault = faults.take(method, path);
    log.track(req, res, path, query.toString(), fault);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status) return sendError(res, faultError(fault.status), retryHeaders(fault));

    const auth = req.headers.authorization;
    if (!auth) throw new CfError(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers");
    if (auth !== `Bearer ${options.apiToken}`) throw new CfError(403, 10000, "Authentication error");
    let limitHeaders: Record<string, string>;
    try {
      limitHeaders = rateLimit.take(auth);
    } catch (error) {
      if (error instanceof RateLimitedError) return sendError(res, error, rateLimit.headersFor(error));
      throw error;
    }

    const [, scope, id] = path.split("/");
    if ((scope === "accounts" && id !== options.accountId) || (scope === "zones" && id && id !== options.zoneId)) throw noRoute(path);
    apiToken.authorize(method, path);
    const match = routes.filter((r) => r.pattern.test(path)).map((r) => ({ r, params: { ...path.match(r.pattern)!.groups } }));
    if (match.length === 0) throw new CfError(404, 7000, "No route for that URI");
    const found = match.find((m) => m.r.method === method);
    if (!found) throw new CfError(405, 10405, `Method ${method} not allowed for this route`);

    let body: Record<string, unknown> = {};
    try {
      const parsed = raw.length ? parseBody(req, raw) : {};
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      throw new CfError(400, 6007, "Malformed JSON in request body");
    }
    sendResult(res, found.r.handle({ params: found.params, query, body }), limitHeaders);
  }

  const controlDeps: ControlDeps = {
    options,
    tunnels,
    dns,
    access,
    accessTokens,
    edge,
    faults,
    log,
    rateLimit,
    apiToken,
    apiUrl: () => handle.apiUrl,
    reset: () => handle.reset(),
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    try {
      const hostHeader = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
      if (hostHeader.endsWith(`.${options.zoneName}`) || hostHeader === options.zoneName) {
        return await edge.handle(req, res, hostHeader, `${url.pathname}${url.search}`, await readBody(req));
      }
      const viaPath = /^\/_edge\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (viaPath) return await edge.handle(req, res, viaPath[1], `${viaPath[2] ?? "/"}${url.search}`, await readBody(req));
      if (url.pathname === "/_sim" || url.pathname.startsWith("/_sim/") || url.pathname.startsWith("/cdn-cgi/")) {
        return await handleControl(controlDeps, req, res, url);
      }
      if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw new CfError(404, 7000, "No route for that URI");
      await handleApi(req, res, url.pathname.slice(API_PREFIX.length), url.searchParams);
    } catch (error) {
      if (res.headersSent) return;
      if (error instanceof CfError) return sendError(res, error);
      console.error("[cloudflare sim]", error);
      sendError(res, new CfError(500, 10001, "Internal error in the Cloudflare stand-in"));
    }
  });

  const port = await listen(server, options.port, options.host);
  const url = `http://${options.host}:${port}`;
  const handle: CloudflareSimHandle = {
    name: "cloudflare",
    url,
    port,
    apiUrl: `${url}${API_PREFIX}`,
    env: {
      CLOUDFLARE_BASE_URL: `${url}${API_PREFIX}`,
      CLOUDFLARE_API_TOKEN: options.apiToken,
      CLOUDFLARE_ACCOUNT_ID: options.accountId,
      CLOUDFLARE_ZONE_ID: options.zoneId,
      CLOUDFLARE_ACCESS_TEAM: options.accessTeam,
      BASE_DOMAIN: options.zoneName,
    },
    options: { ...options, port },
    close: () => closeServer(server),
    tunnels,
    dns,
    access,
    accessTokens,
    edge,
    faults,
    requests: log,
    rateLimit,
    apiToken,
    identityProviders,
    connectTunnel: (id, connections = 4) => tunnels.connect(id, connections),
    edgeUrl: (hostname, path = "/") => `${url}/_edge/${hostname}${path}`,
    reset() {
      tunnels.clear();
      dns.clear();
      access.clear();
      faults.clear();
      log.clear();
      rateLimit.reset();
      rateLimit.configure(options.rateLimit);
      apiToken.model = { kind: options.tokenKind, permissions: options.tokenPermissions };
    },
  };
  return handle;
}

export type { FaultSpec };
