// Cloudflare API stand-in: the real `cloudflare` SDK talks to it unchanged through
// `new Cloudflare({ apiToken, baseURL: handle.apiUrl })` (or env CLOUDFLARE_BASE_URL).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, parseBody, readBody, sendHtml, sendJson } from "../shared/http";
import { DnsStore, dnsRoutes } from "./dns";
import { CfError, route, sendError, sendResult, type Route } from "./envelope";
import { FaultBook, RequestLog, handleFaultRoutes, retryHeaders, sleep, type FaultSpec } from "./faults";
import { renderCloudflarePage } from "./page";
import { TunnelStore, tunnelRoutes, type Tunnel } from "./tunnels";

export interface CloudflareSimOptions {
  port: number;
  host: string;
  apiToken: string;
  accountId: string;
  zoneId: string;
  zoneName: string;
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
  faults: FaultBook;
  requests: RequestLog;
  connectTunnel(id: string, connectors?: number): Tunnel;
  reset(): void;
}

const API_PREFIX = "/client/v4";
const DEFAULTS: CloudflareSimOptions = {
  port: 12113,
  host: "127.0.0.1",
  apiToken: "sim-cloudflare-token",
  accountId: "sim-account",
  zoneId: "sim-zone",
  zoneName: "lab.localhost",
};

export function cloudflareSimOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CloudflareSimOptions {
  const port = Number(env.CLOUDFLARE_SIM_PORT ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CLOUDFLARE_SIM_PORT is not a port: ${env.CLOUDFLARE_SIM_PORT}`);
  return {
    ...DEFAULTS,
    port,
    apiToken: env.CLOUDFLARE_API_TOKEN || DEFAULTS.apiToken,
    accountId: env.CLOUDFLARE_ACCOUNT_ID || DEFAULTS.accountId,
    zoneId: env.CLOUDFLARE_ZONE_ID || DEFAULTS.zoneId,
    zoneName: env.BASE_DOMAIN || DEFAULTS.zoneName,
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
  const faults = new FaultBook();
  const log = new RequestLog();
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
    route("GET", "/zones", ({ query }) => ({
      result: [zone].filter((z) => !query.get("name") || z.name === query.get("name")),
      result_info: { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 },
    })),
    route("GET", "/zones/:zone", () => ({ result: zone })),
    route("GET", "/user/tokens/verify", () => ({ result: { id: "sim-token", status: "active" } })),
  ];

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

    const [, scope, id] = path.split("/");
    if ((scope === "accounts" && id !== options.accountId) || (scope === "zones" && id && id !== options.zoneId)) throw noRoute(path);
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
    sendResult(res, found.r.handle({ params: found.params, query, body }));
  }

  const page = () => renderCloudflarePage({ apiUrl: handle.apiUrl, ...options, tunnels, dns, faults, log });

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string) {
    if (await handleFaultRoutes(req, res, path, faults, log)) return;
    // HTML forms on the page post here; answer them with a redirect back instead of JSON.
    const fromForm = (req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded");
    const done = (body: unknown) => {
      if (!fromForm) return sendJson(res, 200, body);
      res.writeHead(303, { location: "/_sim" });
      res.end();
    };
    const tunnelAction = path.match(/^\/_sim\/tunnels\/([^/]+)\/(connect|disconnect)$/);

    if (req.method === "GET" && path === "/_sim") return sendHtml(res, 200, page());
    if (req.method === "GET" && path === "/_sim/health") return sendJson(res, 200, { ok: true, name: "cloudflare" });
    if (req.method === "GET" && path === "/_sim/state") {
      const withConfig = tunnels.list().map((t) => ({ ...t, configuration: tunnels.configurationOf(t.id) }));
      return sendJson(res, 200, { tunnels: withConfig, dns_records: dns.list() });
    }
    if (req.method === "POST" && path === "/_sim/reset") {
      handle.reset();
      return done({ ok: true });
    }
    if (req.method === "POST" && tunnelAction) {
      try {
        const body = (parseBody(req, await readBody(req)) ?? {}) as { connectors?: number };
        if (tunnelAction[2] === "connect") return done({ tunnel: handle.connectTunnel(tunnelAction[1], Number(body.connectors) || 4) });
        tunnels.dropConnections(tunnelAction[1]);
        return done({ tunnel: tunnels.get(tunnelAction[1]) });
      } catch (error) {
        return sendJson(res, error instanceof CfError ? error.status : 400, { error: (error as Error).message });
      }
    }
    sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    try {
      if (url.pathname === "/_sim" || url.pathname.startsWith("/_sim/")) return await handleControl(req, res, url.pathname);
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
      BASE_DOMAIN: options.zoneName,
    },
    options: { ...options, port },
    close: () => closeServer(server),
    tunnels,
    dns,
    faults,
    requests: log,
    connectTunnel: (id, connectors = 4) => tunnels.connect(id, connectors),
    reset() {
      tunnels.clear();
      dns.clear();
      faults.clear();
      log.clear();
    },
  };
  return handle;
}

export type { FaultSpec };
