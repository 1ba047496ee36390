// Cloudflare Tunnels (`/accounts/:acct/cfd_tunnel`): what the app's provisioning and compensation
// steps call. Deleted tunnels are kept (soft delete, `deleted_at`) like Cloudflare does, so a
// lookup by name must filter `is_deleted=false` to find the live one.
import { randomBytes, randomUUID } from "node:crypto";
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
  connections: TunnelConnection[];
  conns_active_at: string | null;
  conns_inactive_at: string | null;
  tun_type: "cfd_tunnel";
  metadata: Record<string, unknown>;
}

interface TunnelConfiguration {
  account_id: string;
  tunnel_id: string;
  version: number;
  config: IngressConfig | null;
  source: "cloudflare";
  created_at: string;
}

interface Entry {
  tunnel: Tunnel;
  secret: string;
  configuration: TunnelConfiguration | null;
}

const notFound = () => new CfError(404, 1003, "Tunnel not found");

function checkSecret(secret: unknown): string {
  if (typeof secret !== "string" || Buffer.from(secret, "base64").length < 32) {
    throw badRequest(1001, "tunnel_secret must be at least 32 bytes, encoded as base64");
  }
  return secret;
}

export class TunnelStore {
  #entries = new Map<string, Entry>();

  constructor(private readonly accountId: string) {}

  list(): Tunnel[] {
    return [...this.#entries.values()].map((e) => structuredClone(e.tunnel));
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
    this.#entries.set(tunnel.id, { tunnel, secret, configuration: null });
    return structuredClone(tunnel);
  }

  get(id: string): Tunnel {
    return structuredClone(this.#entry(id).tunnel);
  }

  edit(id: string, body: Record<string, unknown>): Tunnel {
    const entry = this.#live(id);
    if (body.name !== undefined && body.name !== entry.tunnel.name) entry.tunnel.name = this.#checkName(body.name);
    if (body.tunnel_secret !== undefined) entry.secret = checkSecret(body.tunnel_secret);
    return structuredClone(entry.tunnel);
  }

  delete(id: string, cascade: boolean): Tunnel {
    const entry = this.#live(id);
    if (entry.tunnel.connections.length > 0 && !cascade) {
      throw badRequest(1022, "Cannot delete tunnel because it has active connections. Delete its connections first.");
    }
    this.#dropConnections(entry);
    entry.tunnel.deleted_at = nowIso();
    return structuredClone(entry.tunnel);
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

  /** Stands in for a cloudflared process registering `count` connections (real ones open 4). */
  connect(id: string, count = 4): Tunnel {
    const entry = this.#live(id);
    const clientId = randomUUID();
    const openedAt = nowIso();
    for (let i = 0; i < count; i++) {
      entry.tunnel.connections.push({
        id: randomUUID(),
        client_id: clientId,
        client_version: "2025.1.0-sim",
        colo_name: `sim0${(i % 4) + 1}`,
        is_pending_reconnect: false,
        opened_at: openedAt,
        origin_ip: "127.0.0.1",
        uuid: randomUUID(),
      });
    }
    entry.tunnel.status = "healthy";
    entry.tunnel.conns_active_at ??= openedAt;
    return structuredClone(entry.tunnel);
  }

  /** Removes connections (all, or one connector's); cloudflared going away looks the same. */
  dropConnections(id: string, clientId?: string) {
    this.#dropConnections(this.#live(id), clientId);
  }

  connectors(id: string) {
    const byClient = new Map<string, TunnelConnection[]>();
    for (const conn of this.#live(id).tunnel.connections) {
      byClient.set(conn.client_id, [...(byClient.get(conn.client_id) ?? []), conn]);
    }
    return [...byClient].map(([clientId, conns]) => ({
      id: clientId,
      arch: "linux_amd64",
      config_version: this.#entries.get(id)?.configuration?.version ?? 0,
      conns,
      features: [],
      run_at: conns[0].opened_at,
      version: conns[0].client_version,
    }));
  }

  #dropConnections(entry: Entry, clientId?: string) {
    const before = entry.tunnel.connections.length;
    entry.tunnel.connections = clientId ? entry.tunnel.connections.filter((c) => c.client_id !== clientId) : [];
    if (before > 0 && entry.tunnel.connections.length === 0) {
      entry.tunnel.status = "down";
      entry.tunnel.conns_inactive_at = nowIso();
    }
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
