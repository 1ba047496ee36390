// Contract tests: the real `cloudflare` SDK against the stand-in, for the tunnel calls the app makes.
import Cloudflare from "cloudflare";
import type { ConfigurationUpdateParams } from "cloudflare/resources/zero-trust/tunnels/cloudflared/configurations";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareSim, type CloudflareSimHandle } from "./index";

let sim: CloudflareSimHandle;
let cf: Cloudflare;
let account_id: string;

beforeAll(async () => {
  sim = await startCloudflareSim({ port: 0 });
  account_id = sim.options.accountId;
  cf = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const tunnels = () => cf.zeroTrust.tunnels.cloudflared;
// The SDK types want a hostname on every rule; Cloudflare wants the last one without (see EXTERNAL_APIS.md).
const sshIngress = (hostname: string) =>
  [{ hostname, service: "ssh://localhost:22" }, { service: "http_status:404" }] as ConfigurationUpdateParams.Config.Ingress[];

async function control(path: string) {
  const res = await fetch(`${sim.url}${path}`, { method: "POST" });
  expect(res.status).toBe(200);
  return res.json();
}

describe("Cloudflare stand-in: tunnels through the real SDK", () => {
  it("creates a tunnel, configures ingress, hands out a token, finds it by name, and deletes it after its connections", async () => {
    const created = await tunnels().create({ account_id, name: "vm-101", config_src: "cloudflare" });
    expect(created).toMatchObject({ name: "vm-101", status: "inactive", deleted_at: null, remote_config: true });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);

    const config = await tunnels().configurations.update(created.id!, { account_id, config: { ingress: sshIngress("ssh-101.lab.localhost") } });
    expect(config).toMatchObject({ tunnel_id: created.id, version: 1 });
    expect((await tunnels().configurations.get(created.id!, { account_id })).config?.ingress?.[0].hostname).toBe("ssh-101.lab.localhost");

    const token = await tunnels().token.get(created.id!, { account_id });
    expect(typeof token).toBe("string");
    const decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    expect(decoded).toMatchObject({ a: account_id, t: created.id });
    expect(Buffer.from(decoded.s, "base64").length).toBeGreaterThanOrEqual(32);

    const page = await tunnels().list({ account_id, name: "vm-101", is_deleted: false });
    expect(page.result.map((t) => t.id)).toEqual([created.id]);

    await control(`/_sim/tunnels/${created.id}/connect`);
    expect((await tunnels().get(created.id!, { account_id })).status).toBe("healthy");
    const refused = await tunnels()
      .delete(created.id!, { account_id })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(Cloudflare.BadRequestError);
    expect(refused.errors[0]).toEqual({ code: 1022, message: "Cannot delete tunnel because it has active connections" });

    await tunnels().connections.delete(created.id!, { account_id });
    const deleted = await tunnels().delete(created.id!, { account_id });
    expect(deleted.deleted_at).toEqual(expect.any(String));
    expect((await tunnels().list({ account_id, name: "vm-101", is_deleted: false })).result).toEqual([]);
    expect((await tunnels().list({ account_id, name: "vm-101", is_deleted: true })).result).toHaveLength(1);
  });

  it("reads connections from …/connections (the tunnel's own `connections` stays empty), with the connector's config_version", async () => {
    const { id } = await tunnels().create({ account_id, name: "vm-110", config_src: "cloudflare" });
    await tunnels().configurations.update(id!, { account_id, config: { ingress: sshIngress("ssh-110.lab.localhost") } });
    await control(`/_sim/tunnels/${id}/connect`);
    const tunnel = await tunnels().get(id!, { account_id });
    expect(tunnel.connections).toEqual([]);
    const clients = [];
    for await (const client of tunnels().connections.get(id!, { account_id })) clients.push(client);
    expect(clients).toHaveLength(1);
    expect(clients[0]).toMatchObject({ config_version: 1, conns: expect.any(Array) });
    expect(clients[0].conns).toHaveLength(4);
  });

  it("status as Cloudflare computes it: inactive, healthy, degraded (a connection failed), down", async () => {
    const { id } = await tunnels().create({ account_id, name: "vm-111" });
    const status = async () => (await tunnels().get(id!, { account_id })).status;
    expect(await status()).toBe("inactive");
    await control(`/_sim/tunnels/${id}/connect`);
    expect(await status()).toBe("healthy");
    await control(`/_sim/tunnels/${id}/fail-connection`);
    expect(await status()).toBe("degraded");
    await tunnels().connections.delete(id!, { account_id });
    expect(await status()).toBe("down");
  });

  it("`?cascade=true` deletes a tunnel with live connections (cloudflared's `tunnel delete -f`)", async () => {
    const { id } = await tunnels().create({ account_id, name: "vm-112" });
    await control(`/_sim/tunnels/${id}/connect`);
    const deleted = await tunnels().delete(id!, { account_id }, { query: { cascade: true } });
    expect(deleted.deleted_at).toEqual(expect.any(String));
    expect(sim.tunnels.liveConnectors(id!)).toEqual([]);
  });

  it("refuses an ingress list whose last rule is not a catch-all", async () => {
    const { id } = await tunnels().create({ account_id, name: "vm-102", config_src: "cloudflare" });
    const ingress = [{ hostname: "ssh-102.lab.localhost", service: "ssh://localhost:22" }];
    const error = await tunnels()
      .configurations.update(id!, { account_id, config: { ingress } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Cloudflare.BadRequestError);
    expect(error.message).toMatch(/last ingress rule must match all URLs/);
  });

  it("checks originRequest.access as cloudflared does: audTags need a team name", async () => {
    const { id } = await tunnels().create({ account_id, name: "vm-113", config_src: "cloudflare" });
    const ingress = [
      { hostname: "ssh-113.lab.localhost", service: "ssh://localhost:22", originRequest: { access: { required: true, teamName: "", audTag: ["aud"] } } },
      { service: "http_status:404" },
    ] as ConfigurationUpdateParams.Config.Ingress[];
    const error = await tunnels()
      .configurations.update(id!, { account_id, config: { ingress } })
      .catch((e) => e);
    expect(error.message).toMatch(/TeamName cannot be blank when access.audTags are present/);
  });

  it("answers a duplicate live name with ConflictError 409 / code 1013, and frees the name once deleted", async () => {
    const first = await tunnels().create({ account_id, name: "vm-103", config_src: "cloudflare" });
    const error = await tunnels()
      .create({ account_id, name: "vm-103", config_src: "cloudflare" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Cloudflare.ConflictError);
    expect(error.status).toBe(409);
    expect(error.errors[0]).toMatchObject({ code: 1013, message: expect.stringMatching(/already have a tunnel with this name/) });

    await tunnels().delete(first.id!, { account_id });
    await expect(tunnels().create({ account_id, name: "vm-103", config_src: "cloudflare" })).resolves.toMatchObject({ name: "vm-103" });
  });

  it("SDK quirk: 409 is retried like a lock timeout, so a duplicate create costs 1 + maxRetries calls", async () => {
    await tunnels().create({ account_id, name: "vm-104" });
    sim.requests.clear();
    const retrying = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 1 });
    await expect(retrying.zeroTrust.tunnels.cloudflared.create({ account_id, name: "vm-104" })).rejects.toBeInstanceOf(Cloudflare.ConflictError);
    expect(sim.requests.list().filter((r) => r.method === "POST")).toHaveLength(2);
  });

  it("pages through tunnels the way the SDK auto-paginates", async () => {
    for (let i = 0; i < 25; i++) await tunnels().create({ account_id, name: `bulk-${i}` });
    const names: string[] = [];
    for await (const t of tunnels().list({ account_id, per_page: 10, include_prefix: "bulk-" })) names.push(t.name!);
    expect(names).toHaveLength(25);
    const first = await tunnels().list({ account_id, per_page: 10 });
    expect(first.result_info).toMatchObject({ page: 1, per_page: 10, count: 10, total_count: 25 });
  });

  it("answers unknown accounts and tunnels with NotFoundError", async () => {
    const account = await tunnels()
      .list({ account_id: "someone-else" })
      .catch((e) => e);
    expect(account).toBeInstanceOf(Cloudflare.NotFoundError);
    expect(account.errors[0]).toMatchObject({ code: 7003, message: expect.stringMatching(/perhaps your object identifier is invalid/) });
    await expect(tunnels().get("00000000-0000-4000-8000-000000000000", { account_id })).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
  });
});

describe("Cloudflare stand-in: auth and faults", () => {
  it("rejects a wrong token with PermissionDeniedError / code 10000", async () => {
    const wrong = new Cloudflare({ apiToken: "not-the-token", baseURL: sim.apiUrl, maxRetries: 0 });
    const error = await wrong.zeroTrust.tunnels.cloudflared.list({ account_id }).catch((e) => e);
    expect(error).toBeInstanceOf(Cloudflare.PermissionDeniedError);
    expect(error.errors[0]).toMatchObject({ code: 10000, message: "Authentication error" });
  });

  it("the SDK's own retries ride out injected 500s (maxRetries 2 = 3 attempts)", async () => {
    sim.faults.add({ method: "POST", path: "/accounts/*/cfd_tunnel", status: 500, count: 2, retryAfterMs: 1 });
    const retrying = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 2 });
    await expect(retrying.zeroTrust.tunnels.cloudflared.create({ account_id, name: "vm-105" })).resolves.toMatchObject({ name: "vm-105" });
    expect(sim.requests.list().map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("a fault outlasting the retries surfaces as InternalServerError; 429 as RateLimitError", async () => {
    const res = await fetch(`${sim.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { path: "/zones/**", status: 503, count: 3, retryAfterMs: 1 },
        { path: "/accounts/**", status: 429, count: 1 },
      ]),
    });
    expect(res.status).toBe(200);
    const retrying = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 2 });
    await expect(retrying.dns.records.list({ zone_id: sim.options.zoneId })).rejects.toBeInstanceOf(Cloudflare.InternalServerError);
    await expect(tunnels().list({ account_id })).rejects.toBeInstanceOf(Cloudflare.RateLimitError);
    expect(sim.faults.list()).toEqual([]);
  });

  it("forMs: an outage window answers every matching call from its first hit until it ends, then stays listed as spent", async () => {
    const plain = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 0 });
    const fault = sim.faults.add({ method: "GET", path: "/accounts/*/cfd_tunnel", status: 503, count: 1_000, forMs: 250 });
    for (let i = 0; i < 3; i++) await expect(plain.zeroTrust.tunnels.cloudflared.list({ account_id })).rejects.toBeInstanceOf(Cloudflare.InternalServerError);
    await new Promise((r) => setTimeout(r, 300));
    await expect(plain.zeroTrust.tunnels.cloudflared.list({ account_id })).resolves.toBeDefined();
    expect(sim.faults.list()).toEqual([expect.objectContaining({ id: fault.id, hits: 3, activeUntil: expect.any(Number) })]);
    sim.faults.clear();
    expect(() => sim.faults.add({ path: "/x", status: 500, forMs: 0 })).toThrow(/forMs/);
  });

  it("a latency fault longer than the client timeout surfaces as APIConnectionTimeoutError", async () => {
    sim.faults.add({ path: "/accounts/**", delayMs: 300 });
    const impatient = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 0, timeout: 50 });
    await expect(impatient.zeroTrust.tunnels.cloudflared.list({ account_id })).rejects.toBeInstanceOf(Cloudflare.APIConnectionTimeoutError);
  });
});
