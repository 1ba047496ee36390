// Cloudflare Tunnels (`/accounts/:acct/cfd_tunnel`): what the app's provisioning and compensation
// steps call. Deleted tunnels are kept (soft delete, `deleted_at`) like Cloudflare does, so a
// lookup by name must filter `is_deleted=false` to find the live one.
//
// Connectors (cloudflared processes) register with the tunnel token and each holds connections to
// the edge. As in the API since 2024, a tunnel's own `connections` field is deprecated and always
// empty: connections are read from `…/connections` (one entry per connector, with the
// `config_version` that connector runs). Status follows Cloudflare's rule: `inactive` until a
// connector ever ran, `healthy` with every connector on its four connections, `degraded` when a
// connection has failed but traffic is still served, `down` with none left.
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { CfError, badRequest, nowIso, paginate, route, type Route } from "./envelope";
import { validateIngress, type IngressConfig } from "./ingress";

export interface TunnelConnection {
  id: string;
  client_id: string;
  client_version: string;
  colo_name: string;
  is_pending_reconnect: boolean;
  opened_at: string;
  origin_ip: string;
  uuid: string;
}

export interface Tunnel {
  id: string;
  account_tag: string;
  name: string;
  created_at: string;
  deleted_at: string | null;
  config_src: "local" | "cloudflare";
  remote_config: boolean;
  status: "inactive" | "degraded" | "healthy" | "down";
  /** Deprecated by Cloudflare: always `[]`. */
  connections: TunnelConnection[];
  conns_active_at: string | null;
  conns_inactive_at: string | null;
  tun_type: "cfd_tunnel";
  metadata: Record<string, unknown>;
}

export interface TunnelConfiguration {
  account_id: string;
  tunnel_id: string;
  version: number;
  config: IngressConfig | null;
  source: "cloudflare";
  created_at: string;
}

/** One cloudflared process: its connections, and where the edge reaches the origin through it. */
export interface Connector {
  id: string;
  conns: TunnelConnection[];
  runAt: string;
  version: string;
  /** The guest's origin endpoint (a Proxmox stand-in guest); absent for `/_sim/…/connect` ones. */
  originUrl?: string;
  /** The remote configuration version this connector acknowledged. */
  configVersion: number;
}

interface Entry {
  tunnel: Tunnel;
  secret: string;
  configuration: TunnelConfiguration | null;
  connectors: Map<string, Connector>;
}

/** What the stand-in's edge and guest glue listen to. */
export interface TunnelHooks {
  /** A connector was removed by the API (connections.delete, cascade): cloudflared would reconnect. */
  connectorDropped?(tunnelId: string, connector: Connector): void;
  /** A new remote configuration exists: Cloudflare pushes it to the live connectors. */
  configured?(tunnelId: string, configuration: TunnelConfiguration, connectors: Connector[]): void;
}

const CONNECTIONS_PER_CONNECTOR = 4;
const notFound = () => new CfError(404, 1003, "Tunnel not found");

function checkSecret(secret: unknown): string {
  if (typeof secret !== "string" || Buffer.from(secret, "base64").length < 32) {
    throw badRequest(1001, "tunnel_secret must be at least 32 bytes, encoded as base64");
  }
  return secret;
}

export class TunnelStore {
  #entries = new Map<string, Entry>();
  hooks: TunnelHooks = {};

  constructor(private readonly accountId: string) {}

  list(): Tunnel[] {
    return [...this.#entries.values()].map((e) => this.#view(e));
  }

  configurationOf(id: string): TunnelConfiguration | null {
    return structuredClone(this.#entries.get(id)?.configuration ?? null);
  }

  clear() {
    this.#entries.clear();
  }

  create(body: Record<string, unknown>): Tunnel {
    const name = this.#checkName(body.name);
    const configSrc = body.config_src ?? "local";
    if (configSrc !== "local" && configSrc !== "cloudflare") throw badRequest(1001, "config_src must be 'local' or 'cloudflare'");
    const secret = body.tunnel_secret === undefined ? randomBytes(32).toString("base64") : checkSecret(body.tunnel_secret);
    const tunnel: Tunnel = {
      id: randomUUID(),
      account_tag: this.accountId,
      name,
      created_at: nowIso(),
      deleted_at: null,
      config_src: configSrc,
      remote_config: configSrc === "cloudflare",
      status: "inactive",
      connections: [],
      conns_active_at: null,
      conns_inactive_at: null,
      tun_type: "cfd_tunnel",
      metadata: {},
    };
    const entry = { tunnel, secret, configuration: null, connectors: new Map() };
    this.#entries.set(tunnel.id, entry);
    return this.#view(entry);
  }

  get(id: string): Tunnel {
    return this.#view(this.#entry(id));
  }

  edit(id: string, body: Record<string, unknown>): Tunnel {
    const entry = this.#live(id);
    if (body.name !== undefined && body.name !== entry.tunnel.name) entry.tunnel.name = this.#checkName(body.name);
    if (body.tunnel_secret !== undefined) entry.secret = checkSecret(body.tunnel_secret);
    return this.#view(entry);
  }

  /**
   * Refused while any connection exists (400, 1022) unless `cascade`: cloudflared's own
   * `tunnel delete -f` sends `?cascade=true`, which removes connections and routes with the tunnel
   * (cloudflared cfapi/tunnel.go DeleteTunnel).
   */
  delete(id: string, cascade: boolean): Tunnel {
    const entry = this.#live(id);
    if (this.#connectionCount(entry) > 0 && !cascade) throw badRequest(1022, "Cannot delete tunnel because it has active connections");
    this.#dropConnectors(entry);
    entry.tunnel.deleted_at = nowIso();
    return this.#view(entry);
  }

  /** Cloudflare's connector token: base64 of `{"a":account,"t":tunnel,"s":secret}`. */
  token(id: string): string {
    const entry = this.#live(id);
    return Buffer.from(JSON.stringify({ a: this.accountId, t: id, s: entry.secret })).toString("base64");
  }

  putConfiguration(id: string, body: Record<string, unknown>): TunnelConfiguration {
    const entry = this.#live(id);
    const config = validateIngress(body.config);
    entry.configuration = {
      account_id: this.accountId,
      tunnel_id: id,
      version: (entry.configuration?.version ?? 0) + 1,
      config,
      source: "cloudflare",
      created_at: nowIso(),
    };
    this.hooks.configured?.(id, structuredClone(entry.configuration), [...entry.connectors.values()]);
    return structuredClone(entry.configuration);
  }

  getConfiguration(id: string): TunnelConfiguration {
    const entry = this.#live(id);
    const empty: TunnelConfiguration = {
      account_id: this.accountId,
      tunnel_id: id,
      version: 0,
      config: null,
      source: "cloudflare",
      created_at: entry.tunnel.created_at,
    };
    return structuredClone(entry.configuration ?? empty);
  }

  /**
   * What cloudflared does with its token (`tunnel run --token`): the token names the account and
   * tunnel and carries the secret; a wrong secret or a deleted tunnel is refused.
   */
  register(token: string, opts: { originUrl?: string; connections?: number; version?: string } = {}): { tunnelId: string; connector: Connector } {
    let decoded: { a?: unknown; t?: unknown; s?: unknown };
    try {
      decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    } catch {
      throw new CfError(401, 1000, "Unauthorized: Invalid tunnel token");
    }
    const entry = typeof decoded.t === "string" ? this.#entries.get(decoded.t) : undefined;
    if (!entry || entry.tunnel.deleted_at || decoded.a !== this.accountId) throw new CfError(404, 1003, "Unauthorized: Tunnel not found");
    const given = Buffer.from(String(decoded.s ?? ""));
    const want = Buffer.from(entry.secret);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new CfError(401, 1000, "Unauthorized: Invalid tunnel secret");
    return { tunnelId: entry.tunnel.id, connector: this.#addConnector(entry, opts) };
  }

  /** Stands in for a cloudflared process without a guest behind it (real ones open 4 connections). */
  connect(id: string, connections = CONNECTIONS_PER_CONNECTOR): Tunnel {
    this.#addConnector(this.#live(id), { connections });
    return this.get(id);
  }

  /** A connector going away on its own (cloudflared stopped): no reconnect follows. */
  unregister(id: string, clientId: string) {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.connectors.delete(clientId);
    this.#markDownIfEmpty(entry);
  }

  /** One connection of the first connector fails (the tunnel becomes `degraded`). */
  failOneConnection(id: string): Tunnel {
    const connector = [...this.#live(id).connectors.values()].find((c) => c.conns.length > 0);
    if (!connector) throw badRequest(1001, "the tunnel has no connection to fail");
    connector.conns.pop();
    return this.get(id);
  }

  /** `connections.delete`: removes every connector (or one, by client_id); live cloudflareds reconnect. */
  dropConnections(id: string, clientId?: string) {
    this.#dropConnectors(this.#live(id), clientId);
  }

  /** Live connectors that can carry traffic, in registration order. */
  liveConnectors(id: string): Connector[] {
    const entry = this.#entries.get(id);
    if (!entry || entry.tunnel.deleted_at) return [];
    return [...entry.connectors.values()].filter((c) => c.conns.length > 0);
  }

  ackConfiguration(id: string, clientId: string, version: number) {
    const connector = this.#entries.get(id)?.connectors.get(clientId);
    if (connector && version > connector.configVersion) connector.configVersion = version;
  }

  connectors(id: string) {
    return [...this.#live(id).connectors.values()].map((c) => ({
      id: c.id,
      arch: "linux_amd64",
      config_version: c.configVersion,
      conns: structuredClone(c.conns),
      features: ["serialized_headers", "support_datagram_v2", "management_logs"],
      run_at: c.runAt,
      version: c.version,
    }));
  }

  #addConnector(entry: Entry, opts: { originUrl?: string; connections?: number; version?: string }): Connector {
    const clientId = randomUUID();
    const openedAt = nowIso();
    const version = opts.version ?? "2025.8.1";
    const count = Math.max(1, Math.min(opts.connections ?? CONNECTIONS_PER_CONNECTOR, 16));
    const conns = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      client_id: clientId,
      client_version: version,
      colo_name: `sim0${(i % 4) + 1}`,
      is_pending_reconnect: false,
      opened_at: openedAt,
      origin_ip: "127.0.0.1",
      uuid: randomUUID(),
    }));
    const connector: Connector = { id: clientId, conns, runAt: openedAt, version, originUrl: opts.originUrl, configVersion: entry.configuration?.version ?? 0 };
    entry.connectors.set(clientId, connector);
    entry.tunnel.conns_active_at ??= openedAt;
    entry.tunnel.conns_inactive_at = null;
    return connector;
  }

  #dropConnectors(entry: Entry, clientId?: string) {
    for (const connector of [...entry.connectors.values()]) {
      if (clientId && connector.id !== clientId) continue;
      entry.connectors.delete(connector.id);
      this.hooks.connectorDropped?.(entry.tunnel.id, connector);
    }
    this.#markDownIfEmpty(entry);
  }

  #markDownIfEmpty(entry: Entry) {
    if (this.#connectionCount(entry) === 0 && entry.tunnel.conns_active_at && !entry.tunnel.conns_inactive_at) entry.tunnel.conns_inactive_at = nowIso();
  }

  #connectionCount(entry: Entry): number {
    return [...entry.connectors.values()].reduce((n, c) => n + c.conns.length, 0);
  }

  #status(entry: Entry): Tunnel["status"] {
    const live = [...entry.connectors.values()].filter((c) => c.conns.length > 0);
    if (live.length === 0) return entry.tunnel.conns_active_at ? "down" : "inactive";
    return live.some((c) => c.conns.length < CONNECTIONS_PER_CONNECTOR) ? "degraded" : "healthy";
  }

  #view(entry: Entry): Tunnel {
    return { ...structuredClone(entry.tunnel), status: this.#status(entry), connections: [] };
  }

  #checkName(name: unknown): string {
    if (typeof name !== "string" || !name.trim()) throw badRequest(1001, "Tunnel name must be a non-empty string");
    const taken = [...this.#entries.values()].some((e) => e.tunnel.name === name && !e.tunnel.deleted_at);
    if (taken) {
      throw new CfError(409, 1013, "You already have a tunnel with this name. Delete the existing tunnel, or choose a different name for your new tunnel");
    }
    return name;
  }

  #entry(id: string): Entry {
    const entry = this.#entries.get(id);
    if (!entry) throw notFound();
    return entry;
  }

  /** Mutations (and token/config reads) on a deleted tunnel fail as if it were gone. */
  #live(id: string): Entry {
    const entry = this.#entry(id);
    if (entry.tunnel.deleted_at) throw notFound();
    return entry;
  }
}

function matchesListQuery(t: Tunnel, q: URLSearchParams): boolean {
  const isDeleted = q.get("is_deleted");
  if (isDeleted === "true" && !t.deleted_at) return false;
  if (isDeleted === "false" && t.deleted_at) return false;
  if (q.has("name") && t.name !== q.get("name")) return false;
  if (q.has("uuid") && t.id !== q.get("uuid")) return false;
  if (q.has("status") && t.status !== q.get("status")) return false;
  if (q.has("include_prefix") && !t.name.startsWith(q.get("include_prefix")!)) return false;
  if (q.has("exclude_prefix") && t.name.startsWith(q.get("exclude_prefix")!)) return false;
  return true;
}

export function tunnelRoutes(store: TunnelStore): Route[] {
  const base = "/accounts/:account/cfd_tunnel";
  return [
    route("POST", base, ({ body }) => ({ result: store.create(body) })),
    route("GET", base, ({ query }) =>
      paginate(
        store.list().filter((t) => matchesListQuery(t, query)),
        query,
        20,
        1000,
      ),
    ),
    route("GET", `${base}/:id`, ({ params }) => ({ result: store.get(params.id) })),
    route("PATCH", `${base}/:id`, ({ params, body }) => ({ result: store.edit(params.id, body) })),
    route("DELETE", `${base}/:id`, ({ params, query }) => ({ result: store.delete(params.id, query.get("cascade") === "true") })),
    route("GET", `${base}/:id/token`, ({ params }) => ({ result: store.token(params.id) })),
    route("GET", `${base}/:id/configurations`, ({ params }) => ({ result: store.getConfiguration(params.id) })),
    route("PUT", `${base}/:id/configurations`, ({ params, body }) => ({ result: store.putConfiguration(params.id, body) })),
    route("GET", `${base}/:id/connections`, ({ params }) => ({ result: store.connectors(params.id) })),
    route("DELETE", `${base}/:id/connections`, ({ params, query }) => {
      store.dropConnections(params.id, query.get("client_id") ?? undefined);
      return { result: null };
    }),
  ];
}
