// Cloudflare operations for a VM's tunnel and DNS records, each safe to repeat: things are looked
// up by exact name before being created (a duplicate tunnel name is a 409 that the SDK retries
// slowly), and deleting something already gone counts as done.
import { NotFoundError } from "cloudflare";
import { cloudflare } from "@/lib/access/cloudflare";
import { env } from "@/lib/env";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";

export type AccessRequirement = { required: boolean; teamName: string; audTag: string[] };
export type IngressRule = { hostname?: string; service: string; originRequest?: { access: AccessRequirement } };

const account = () => ({ account_id: env().CLOUDFLARE_ACCOUNT_ID });
const zone = () => ({ zone_id: env().CLOUDFLARE_ZONE_ID });
const tunnels = () => cloudflare().zeroTrust.tunnels.cloudflared;

/** Live (not deleted) tunnels with exactly this name. */
export async function findLiveTunnels(name: string): Promise<{ id: string }[]> {
  const found: { id: string }[] = [];
  for await (const tunnel of tunnels().list({ ...account(), name, is_deleted: false })) {
    if (tunnel.id && tunnel.name === name && !tunnel.deleted_at) found.push({ id: tunnel.id });
  }
  return found;
}

export async function ensureTunnel(name: string): Promise<string> {
  const [existing] = await findLiveTunnels(name);
  if (existing) return existing.id;
  const created = await tunnels().create({ ...account(), name, config_src: "cloudflare" });
  if (!created.id) throw new Error(`Cloudflare created tunnel ${name} without an id`);
  return created.id;
}

const accessOf = (rule: IngressRule) => JSON.stringify(rule.originRequest?.access ?? null);
const sameRules = (a: IngressRule[], b: IngressRule[]) =>
  a.length === b.length &&
  a.every((rule, i) => (rule.hostname ?? "") === (b[i]!.hostname ?? "") && rule.service === b[i]!.service && accessOf(rule) === accessOf(b[i]!));

/** Puts the ingress rules on the tunnel unless they are there already (Access requirement included). */
export async function ensureIngress(tunnelId: string, ingress: IngressRule[]): Promise<boolean> {
  const current = await tunnels().configurations.get(tunnelId, account());
  const rules = (current.config?.ingress ?? []).map((r) => {
    const a = r.originRequest?.access;
    const access = a && { required: a.required ?? false, teamName: a.teamName, audTag: a.audTag };
    return { hostname: r.hostname || undefined, service: r.service, ...(access ? { originRequest: { access } } : {}) };
  });
  if (sameRules(rules, ingress)) return false;
  // The catch-all rule has no hostname, which the SDK's types do not allow for: hence the cast.
  await tunnels().configurations.update(tunnelId, { ...account(), config: { ingress: ingress as { hostname: string; service: string }[] } });
  return true;
}

export async function tunnelToken(tunnelId: string): Promise<string> {
  return String(await tunnels().token.get(tunnelId, account()));
}

/** Records of any type at exactly this name. */
export async function findDnsRecords(hostname: string): Promise<{ id: string; type: string; content: string }[]> {
  const found: { id: string; type: string; content: string }[] = [];
  for await (const record of cloudflare().dns.records.list({ ...zone(), name: { exact: hostname } })) {
    const r = record as { id?: string; type?: string; content?: string; name?: string };
    if (r.id && r.name === hostname) found.push({ id: r.id, type: r.type ?? "", content: r.content ?? "" });
  }
  return found;
}

/** The proxied CNAME `hostname` → `target`: reused when it exists, refused when the name is taken. */
export async function ensureCname(hostname: string, target: string): Promise<string> {
  const existing = await findDnsRecords(hostname);
  const ours = existing.find((r) => r.type === "CNAME" && r.content === target);
  if (ours) return ours.id;
  if (existing.length) throw new ProvisioningHaltedError(`DNS name ${hostname} is already used by another record`);
  const created = await cloudflare().dns.records.create({ ...zone(), type: "CNAME", name: hostname, content: target, proxied: true, ttl: 1 });
  const id = (created as { id?: string }).id;
  if (!id) throw new Error(`Cloudflare created the record for ${hostname} without an id`);
  return id;
}

async function ignoreNotFound(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

export async function deleteDnsRecord(id: string): Promise<void> {
  await ignoreNotFound(() => cloudflare().dns.records.delete(id, zone()));
}

/** The live tunnel with this id (and its name, the owner tag), or null when gone. */
export async function findLiveTunnel(id: string): Promise<{ id: string; name: string } | null> {
  const tunnel = await tunnels()
    .get(id, account())
    .catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
  if (!tunnel || tunnel.deleted_at) return null;
  return { id, name: tunnel.name ?? "" };
}

/**
 * Cloudflare refuses to delete a tunnel while a connector holds connections (400, 1022), and a
 * running cloudflared reconnects as soon as its connections are removed: callers destroy the VM
 * (its connector) first, and the delete cascades (`?cascade=true`, what `cloudflared tunnel delete
 * -f` sends: cfapi/tunnel.go) so a connector still attached cannot block it. Callers pass only
 * tunnels they proved are theirs (by the owner tag in the name).
 */
export async function deleteTunnel(id: string): Promise<void> {
  if (!(await findLiveTunnel(id))) return;
  await ignoreNotFound(() => tunnels().delete(id, account(), { query: { cascade: true } }));
}
