// Cloudflare Access (Zero Trust) for the one account: self-hosted applications, their policies
// (reusable ones under `/access/policies`, referenced from an application's `policies` by id, and
// application-scoped ones under `/access/apps/:id/policies`), identity providers and the
// organization (its `auth_domain` is `<team>.cloudflareaccess.com`). Shapes follow
// cloudflare-typescript v7 (zero-trust/access/applications, policies). Policies are evaluated when
// a person logs in (access-login.ts); the edge (edge.ts) then only checks the application token.
import { randomBytes, randomUUID } from "node:crypto";
import { CfError, nowIso, paginate, route, type Route } from "./envelope";

export type Rule = Record<string, Record<string, unknown>>;
export type Decision = "allow" | "deny" | "non_identity" | "bypass";

export interface AccessPolicy {
  id: string;
  name: string;
  decision: Decision;
  include: Rule[];
  exclude: Rule[];
  require: Rule[];
  session_duration: string | null;
  reusable: boolean;
  /** For application-scoped policies: the one application, and its place in it. */
  app_id?: string;
  precedence?: number;
  approval_required: boolean;
  isolation_required: boolean;
  purpose_justification_required: boolean;
  created_at: string;
  updated_at: string;
}

export interface AccessApp {
  id: string;
  type: "self_hosted";
  name: string;
  domain: string;
  destinations: Array<{ type: "public"; uri: string }>;
  aud: string;
  session_duration: string;
  allowed_idps: string[];
  auto_redirect_to_identity: boolean;
  app_launcher_visible: boolean;
  tags: string[];
  policyLinks: Array<{ id: string; precedence: number }>;
  created_at: string;
  updated_at: string;
  /** Tokens issued before this (epoch ms) are void: `revoke_tokens`. */
  revokedBefore: number;
}

export interface IdentityProvider {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
}

const DECISIONS = new Set<Decision>(["allow", "deny", "non_identity", "bypass"]);
const RULE_TYPES = new Set(["email", "email_domain", "everyone", "login_method", "ip", "group", "email_list", "service_token", "any_valid_service_token"]);
const URI = /^(\*\.)?([a-z0-9_-]+\.)+[a-z0-9-]+(\/[^\s]*)?$/;
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Cloudflare Access answers validation errors as 400 with an `access.api.error.*` message; the
// numeric codes here are approximations.
const invalid = (detail: string) => new CfError(400, 12130, `access.api.error.invalid_request: ${detail}`);
const appNotFound = () => new CfError(404, 11021, "access.api.error.not_found: application not found");
const policyNotFound = () => new CfError(404, 11021, "access.api.error.not_found: policy not found");

export class AccessStore {
  #apps = new Map<string, AccessApp>();
  #policies = new Map<string, AccessPolicy>();

  constructor(
    readonly teamName: string,
    readonly identityProviders: IdentityProvider[],
  ) {}

  get authDomain() {
    return `${this.teamName}.cloudflareaccess.com`;
  }

  clear() {
    this.#apps.clear();
    this.#policies.clear();
  }

  apps(): AccessApp[] {
    return [...this.#apps.values()].map((a) => structuredClone(a));
  }

  app(id: string): AccessApp {
    const app = this.#apps.get(id);
    if (!app) throw appNotFound();
    return app;
  }

  appByAud(aud: string): AccessApp | undefined {
    return [...this.#apps.values()].find((a) => a.aud === aud);
  }

  /** The policies in force for an application, in precedence order. */
  policiesOf(app: AccessApp): AccessPolicy[] {
    const linked = app.policyLinks.flatMap((l) => {
      const p = this.#policies.get(l.id);
      return p ? [{ ...p, precedence: l.precedence }] : [];
    });
    const scoped = [...this.#policies.values()].filter((p) => p.app_id === app.id);
    return [...linked, ...scoped].sort((a, b) => (a.precedence ?? 0) - (b.precedence ?? 0));
  }

  /** The application protecting `hostname` + `path`: the most specific destination wins. */
  appFor(hostname: string, path: string): AccessApp | undefined {
    let best: { app: AccessApp; score: number } | undefined;
    for (const app of this.#apps.values()) {
      for (const d of app.destinations) {
        const [host, ...rest] = d.uri.split("/");
        const prefix = rest.length ? `/${rest.join("/")}` : "";
        const hostMatch = host === hostname ? 2 : host.startsWith("*.") && hostname.endsWith(host.slice(1)) ? 1 : 0;
        if (!hostMatch || (prefix && !path.startsWith(prefix))) continue;
        const score = hostMatch * 10_000 + prefix.length;
        if (!best || score > best.score) best = { app, score };
      }
    }
    return best?.app;
  }

  // ---- applications ----

  createApp(body: Record<string, unknown>): AccessApp {
    const now = nowIso();
    const app = this.#validateApp(body, { id: randomUUID(), aud: randomBytes(32).toString("hex"), created_at: now, revokedBefore: 0 });
    this.#apps.set(app.id, app);
    return app;
  }

  updateApp(id: string, body: Record<string, unknown>): AccessApp {
    const current = this.app(id);
    const app = this.#validateApp(body, { id, aud: current.aud, created_at: current.created_at, revokedBefore: current.revokedBefore });
    this.#apps.set(id, app);
    return app;
  }

  deleteApp(id: string): { id: string } {
    this.app(id);
    this.#apps.delete(id);
    for (const p of [...this.#policies.values()]) if (p.app_id === id) this.#policies.delete(p.id);
    return { id };
  }

  revokeTokens(id: string) {
    this.app(id).revokedBefore = Date.now();
  }

  viewApp(app: AccessApp) {
    const { policyLinks: _links, revokedBefore: _revoked, ...rest } = structuredClone(app);
    return {
      ...rest,
      uid: app.id,
      self_hosted_domains: app.destinations.map((d) => d.uri),
      policies: this.policiesOf(app).map((p) => this.viewPolicy(p)),
      enable_binding_cookie: false,
      http_only_cookie_attribute: true,
      options_preflight_bypass: false,
      allow_authenticate_via_warp: false,
      skip_interstitial: false,
    };
  }

  // ---- policies ----

  createPolicy(body: Record<string, unknown>, appId?: string): AccessPolicy {
    if (appId) this.app(appId);
    const now = nowIso();
    const policy = this.#validatePolicy(body, { id: randomUUID(), created_at: now, reusable: !appId, app_id: appId });
    this.#policies.set(policy.id, policy);
    return policy;
  }

  policy(id: string, appId?: string): AccessPolicy {
    const p = this.#policies.get(id);
    if (!p || (appId && p.app_id !== appId && !this.app(appId).policyLinks.some((l) => l.id === id))) throw policyNotFound();
    return p;
  }

  updatePolicy(id: string, body: Record<string, unknown>, appId?: string): AccessPolicy {
    const current = this.policy(id, appId);
    if (appId && current.reusable) throw invalid("a reusable policy is changed through /access/policies");
    const policy = this.#validatePolicy(body, { id, created_at: current.created_at, reusable: current.reusable, app_id: current.app_id });
    this.#policies.set(id, policy);
    return policy;
  }

  deletePolicy(id: string, appId?: string): { id: string } {
    const policy = this.policy(id, appId);
    if (appId && policy.reusable) throw invalid("a reusable policy is deleted through /access/policies");
    const users = this.appCount(id);
    if (policy.reusable && users > 0) throw invalid(`policy ${id} is used by ${users} application(s); remove it from them first`);
    this.#policies.delete(id);
    return { id };
  }

  reusablePolicies(): AccessPolicy[] {
    return [...this.#policies.values()].filter((p) => p.reusable);
  }

  scopedPolicies(appId: string): AccessPolicy[] {
    return this.policiesOf(this.app(appId));
  }

  appCount(policyId: string): number {
    return [...this.#apps.values()].filter((a) => a.policyLinks.some((l) => l.id === policyId)).length;
  }

  viewPolicy(p: AccessPolicy) {
    const { app_id: _app, ...rest } = structuredClone(p);
    return { ...rest, ...(p.reusable ? { app_count: this.appCount(p.id) } : {}) };
  }

  // ---- validation ----

  #validateApp(body: Record<string, unknown>, base: Pick<AccessApp, "id" | "aud" | "created_at" | "revokedBefore">): AccessApp {
    if (body.type !== "self_hosted") throw invalid(`type ${JSON.stringify(body.type)} is not supported here (the stand-in models self_hosted applications)`);
    const destinations = body.destinations === undefined ? undefined : this.#destinations(body.destinations);
    const domain = typeof body.domain === "string" && body.domain ? body.domain.toLowerCase() : destinations?.[0]?.uri;
    if (!domain || !URI.test(domain)) throw invalid("domain is required and must be a hostname with an optional path");
    const allowedIdps = body.allowed_idps === undefined ? [] : body.allowed_idps;
    if (!Array.isArray(allowedIdps) || allowedIdps.some((id) => !this.identityProviders.some((p) => p.id === id))) {
      throw invalid("allowed_idps must list identity providers of this account");
    }
    if (body.auto_redirect_to_identity === true && allowedIdps.length !== 1)
      throw invalid("auto_redirect_to_identity needs exactly one identity provider in allowed_idps");
    const session = body.session_duration ?? "24h";
    if (typeof session !== "string" || !DURATION.test(session)) throw invalid("session_duration must look like 300ms or 2h45m");
    const links = this.#policyLinks(body.policies);
    return {
      ...base,
      type: "self_hosted",
      name: typeof body.name === "string" && body.name ? body.name : domain,
      domain,
      destinations: destinations ?? [{ type: "public", uri: domain }],
      session_duration: session,
      allowed_idps: allowedIdps as string[],
      auto_redirect_to_identity: body.auto_redirect_to_identity === true,
      app_launcher_visible: body.app_launcher_visible !== false,
      tags: Array.isArray(body.tags) ? (body.tags as string[]) : [],
      policyLinks: links,
      updated_at: nowIso(),
    };
  }

  #destinations(value: unknown): AccessApp["destinations"] {
    if (!Array.isArray(value) || value.length === 0) throw invalid("destinations must be a non-empty list");
    return value.map((d: { type?: unknown; uri?: unknown }) => {
      if (d?.type !== undefined && d.type !== "public") throw invalid("only public destinations are modelled");
      if (typeof d?.uri !== "string" || !URI.test(d.uri.toLowerCase()))
        throw invalid(`destination uri ${JSON.stringify(d?.uri)} is not a hostname with an optional path`);
      return { type: "public" as const, uri: d.uri.toLowerCase() };
    });
  }

  /** `policies`: ids, or `{id, precedence}`; inline definitions are not accepted. */
  #policyLinks(value: unknown): AccessApp["policyLinks"] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw invalid("policies must be a list");
    return value.map((item: unknown, i) => {
      const link = typeof item === "string" ? { id: item } : (item as { id?: unknown; precedence?: unknown; decision?: unknown });
      if ((link as { decision?: unknown }).decision !== undefined)
        throw invalid("define a policy first (reusable or application-scoped), then reference it by id");
      const policy = typeof link.id === "string" ? this.#policies.get(link.id) : undefined;
      if (!policy?.reusable) throw invalid(`policy ${JSON.stringify(link.id)} is not a reusable policy of this account`);
      const precedence = (link as { precedence?: unknown }).precedence ?? i + 1;
      if (!Number.isInteger(precedence)) throw invalid("precedence must be an integer");
      return { id: policy.id, precedence: precedence as number };
    });
  }

  #validatePolicy(body: Record<string, unknown>, base: Pick<AccessPolicy, "id" | "created_at" | "reusable" | "app_id">): AccessPolicy {
    if (typeof body.name !== "string" || !body.name.trim()) throw invalid("name is required");
    if (!DECISIONS.has(body.decision as Decision)) throw invalid("decision must be allow, deny, non_identity or bypass");
    const include = this.#rules(body.include, "include");
    if (include.length === 0) throw invalid("include must hold at least one rule");
    const session = body.session_duration ?? null;
    if (session !== null && (typeof session !== "string" || !DURATION.test(session))) throw invalid("session_duration must look like 300ms or 2h45m");
    const precedence = body.precedence;
    if (precedence !== undefined && !Number.isInteger(precedence)) throw invalid("precedence must be an integer");
    return {
      ...base,
      name: body.name,
      decision: body.decision as Decision,
      include,
      exclude: this.#rules(body.exclude, "exclude"),
      require: this.#rules(body.require, "require"),
      session_duration: session as string | null,
      ...(base.app_id ? { precedence: (precedence as number | undefined) ?? 1 } : {}),
      approval_required: body.approval_required === true,
      isolation_required: body.isolation_required === true,
      purpose_justification_required: body.purpose_justification_required === true,
      updated_at: nowIso(),
    };
  }

  #rules(value: unknown, field: string): Rule[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw invalid(`${field} must be a list of rules`);
    return value.map((rule: unknown) => {
      const keys = rule && typeof rule === "object" ? Object.keys(rule) : [];
      if (keys.length !== 1 || !RULE_TYPES.has(keys[0])) throw invalid(`${field}: each rule is an object with one rule type, got ${JSON.stringify(rule)}`);
      const [type] = keys;
      const inner = (rule as Rule)[type] ?? {};
      if (type === "email" && (typeof inner.email !== "string" || !EMAIL.test(inner.email))) throw invalid(`${field}: email rule needs email.email`);
      if (type === "email_domain" && typeof inner.domain !== "string") throw invalid(`${field}: email_domain rule needs email_domain.domain`);
      if (type === "login_method" && !this.identityProviders.some((p) => p.id === inner.id))
        throw invalid(`${field}: login_method names no identity provider of this account`);
      return structuredClone(rule) as Rule;
    });
  }
}

function matchesQuery(app: AccessApp, q: URLSearchParams): boolean {
  const exact = q.get("exact") === "true";
  const like = (value: string, wanted: string | null) => wanted === null || (exact ? value === wanted : value.toLowerCase().includes(wanted.toLowerCase()));
  if (!like(app.name, q.get("name")) || !like(app.domain, q.get("domain"))) return false;
  if (q.has("aud") && app.aud !== q.get("aud")) return false;
  const search = q.get("search");
  return !search || [app.name, app.domain, app.aud].some((v) => v.toLowerCase().includes(search.toLowerCase()));
}

export function accessRoutes(store: AccessStore): Route[] {
  const apps = "/accounts/:account/access/apps";
  const policies = "/accounts/:account/access/policies";
  return [
    route("POST", apps, ({ body }) => ({ result: store.viewApp(store.createApp(body)) })),
    route("GET", apps, ({ query }) =>
      paginate(
        store
          .apps()
          .filter((a) => matchesQuery(a, query))
          .map((a) => store.viewApp(a)),
        query,
        25,
        1000,
      ),
    ),
    route("GET", `${apps}/:id`, ({ params }) => ({ result: store.viewApp(store.app(params.id)) })),
    route("PUT", `${apps}/:id`, ({ params, body }) => ({ result: store.viewApp(store.updateApp(params.id, body)) })),
    route("DELETE", `${apps}/:id`, ({ params }) => ({ result: store.deleteApp(params.id) })),
    route("POST", `${apps}/:id/revoke_tokens`, ({ params }) => {
      store.revokeTokens(params.id);
      return { result: null };
    }),
    route("POST", `${apps}/:app/policies`, ({ params, body }) => ({ result: store.viewPolicy(store.createPolicy(body, params.app)) })),
    route("GET", `${apps}/:app/policies`, ({ params, query }) =>
      paginate(
        store.scopedPolicies(params.app).map((p) => store.viewPolicy(p)),
        query,
        25,
        1000,
      ),
    ),
    route("GET", `${apps}/:app/policies/:id`, ({ params }) => ({ result: store.viewPolicy(store.policy(params.id, params.app)) })),
    route("PUT", `${apps}/:app/policies/:id`, ({ params, body }) => ({ result: store.viewPolicy(store.updatePolicy(params.id, body, params.app)) })),
    route("DELETE", `${apps}/:app/policies/:id`, ({ params }) => ({ result: store.deletePolicy(params.id, params.app) })),
    route("POST", policies, ({ body }) => ({ result: store.viewPolicy(store.createPolicy(body)) })),
    route("GET", policies, ({ query }) =>
      paginate(
        store.reusablePolicies().map((p) => store.viewPolicy(p)),
        query,
        25,
        1000,
      ),
    ),
    route("GET", `${policies}/:id`, ({ params }) => {
      const p = store.policy(params.id);
      if (!p.reusable) throw policyNotFound();
      return { result: store.viewPolicy(p) };
    }),
    route("PUT", `${policies}/:id`, ({ params, body }) => {
      if (!store.policy(params.id).reusable) throw policyNotFound();
      return { result: store.viewPolicy(store.updatePolicy(params.id, body)) };
    }),
    route("DELETE", `${policies}/:id`, ({ params }) => {
      if (!store.policy(params.id).reusable) throw policyNotFound();
      return { result: store.deletePolicy(params.id) };
    }),
    route("GET", "/accounts/:account/access/identity_providers", ({ query }) => paginate(structuredClone(store.identityProviders), query, 25, 1000)),
    route("GET", "/accounts/:account/access/organizations", () => ({
      result: {
        name: store.teamName,
        auth_domain: store.authDomain,
        is_ui_read_only: false,
        session_duration: "24h",
        user_seat_expiration_inactive_time: "",
        login_design: {},
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-01T00:00:00Z",
      },
    })),
  ];
}
