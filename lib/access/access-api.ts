// Cloudflare Access calls: self-hosted applications and reusable policies (Cloudflare recommends
// reusable policies referenced by id from the application's `policies`, over application-scoped
// ones). Each function is one idempotent operation; something already gone counts as deleted.
import { NotFoundError } from "cloudflare";
import { cloudflare } from "@/lib/access/cloudflare";
import { env } from "@/lib/env";

export type AccessRule = { email: { email: string } } | { everyone: Record<string, never> } | { login_method: { id: string } };
export type PolicySpec = { decision: "allow" | "deny"; include: AccessRule[]; require: AccessRule[] };
export type AppSpec = { hostnames: string[]; policyId: string; idpId?: string };

export type FoundApp = { id: string; name: string; aud: string; hostnames: string[]; policyIds: string[]; allowedIdps: string[] };
export type FoundPolicy = { id: string; name: string; decision: string; include: unknown[]; require: unknown[]; appCount: number };

const account = () => ({ account_id: env().CLOUDFLARE_ACCOUNT_ID });
const apps = () => cloudflare().zeroTrust.access.applications;
const policies = () => cloudflare().zeroTrust.access.policies;

async function orNull<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

type RawApp = {
  id?: string;
  name?: string;
  aud?: string;
  type?: string;
  domain?: string;
  destinations?: Array<{ uri?: string }>;
  policies?: Array<{ id?: string }>;
  allowed_idps?: string[];
};
type RawPolicy = { id?: string; name?: string; decision?: string; include?: unknown[]; require?: unknown[]; app_count?: number };

function toApp(raw: RawApp): FoundApp {
  const hostnames = raw.destinations?.length ? raw.destinations.flatMap((d) => (d.uri ? [d.uri] : [])) : raw.domain ? [raw.domain] : [];
  return {
    id: raw.id ?? "",
    name: raw.name ?? "",
    aud: raw.aud ?? "",
    hostnames,
    policyIds: (raw.policies ?? []).flatMap((p) => (p.id ? [p.id] : [])),
    allowedIdps: raw.allowed_idps ?? [],
  };
}

const toPolicy = (raw: RawPolicy): FoundPolicy => ({
  id: raw.id ?? "",
  name: raw.name ?? "",
  decision: raw.decision ?? "",
  include: raw.include ?? [],
  require: raw.require ?? [],
  appCount: raw.app_count ?? 0,
});

export async function getAccessApp(id: string): Promise<FoundApp | null> {
  const raw = await orNull(() => apps().get(id, account()));
  return raw ? toApp(raw as RawApp) : null;
}

/** Applications with exactly this name (the owner tag). */
export async function findAccessApps(name: string): Promise<FoundApp[]> {
  const found: FoundApp[] = [];
  for await (const raw of apps().list({ ...account(), name, exact: true })) {
    const app = toApp(raw as RawApp);
    if (app.name === name && app.id) found.push(app);
  }
  return found;
}

function appBody(name: string, spec: AppSpec) {
  return {
    ...account(),
    type: "self_hosted" as const,
    name,
    domain: spec.hostnames[0]!,
    destinations: spec.hostnames.map((uri) => ({ type: "public" as const, uri })),
    policies: [{ id: spec.policyId, precedence: 1 }],
    session_duration: "24h",
    app_launcher_visible: false,
    // An operator's identity provider replaces the account's login methods (one-time PIN by default).
    ...(spec.idpId ? { allowed_idps: [spec.idpId], auto_redirect_to_identity: true } : { allowed_idps: [] }),
  };
}

export async function createAccessApp(name: string, spec: AppSpec): Promise<FoundApp> {
  return toApp((await apps().create(appBody(name, spec))) as RawApp);
}

export async function updateAccessApp(id: string, name: string, spec: AppSpec): Promise<FoundApp> {
  return toApp((await apps().update(id, appBody(name, spec))) as RawApp);
}

export async function deleteAccessApp(id: string): Promise<void> {
  await orNull(() => apps().delete(id, account()));
}

/** Ends every session issued for the application (the next request logs in again, under the policy then). */
export async function revokeAccessTokens(id: string): Promise<void> {
  await orNull(() => apps().revokeTokens(id, account()));
}

export async function getAccessPolicy(id: string): Promise<FoundPolicy | null> {
  const raw = await orNull(() => policies().get(id, account()));
  return raw ? toPolicy(raw as RawPolicy) : null;
}

/** Reusable policies with exactly this name; the list has no name filter, so it is paged through. */
export async function findAccessPolicies(name: string): Promise<FoundPolicy[]> {
  const found: FoundPolicy[] = [];
  for await (const raw of policies().list({ ...account(), per_page: 100 })) {
    const policy = toPolicy(raw as RawPolicy);
    if (policy.name === name && policy.id) found.push(policy);
  }
  return found;
}

export async function createAccessPolicy(name: string, spec: PolicySpec): Promise<FoundPolicy> {
  return toPolicy((await policies().create({ ...account(), name, ...spec, exclude: [] })) as RawPolicy);
}

export async function updateAccessPolicy(id: string, name: string, spec: PolicySpec): Promise<FoundPolicy> {
  return toPolicy((await policies().update(id, { ...account(), name, ...spec, exclude: [] })) as RawPolicy);
}

export async function deleteAccessPolicy(id: string): Promise<void> {
  await orNull(() => policies().delete(id, account()));
}
