// Contract tests: Cloudflare Access applications and policies through the real SDK, and the edge
// in front of a tunnel (a tiny origin plays the connector's guest here; sim/proxmox/guest.test.ts
// has the real guest).
import { createServer, type Server } from "node:http";
import Cloudflare from "cloudflare";
import type { ConfigurationUpdateParams } from "cloudflare/resources/zero-trust/tunnels/cloudflared/configurations";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listen } from "../shared/http";
import { SIM_OTP_IDP_ID, SIM_SSO_IDP_ID, startCloudflareSim, type CloudflareSimHandle } from "./index";

let sim: CloudflareSimHandle;
let cf: Cloudflare;
let account_id: string;
let origin: Server;
let originUrl: string;
const seen: Array<{ host: string; assertion: string | undefined }> = [];

beforeAll(async () => {
  sim = await startCloudflareSim({ port: 0 });
  account_id = sim.options.accountId;
  cf = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 0 });
  origin = createServer((req, res) => {
    if (req.url?.endsWith("/_cloudflared/proxy")) {
      seen.push({ host: String(req.headers["x-sim-edge-host"]), assertion: req.headers["cf-access-jwt-assertion"] as string | undefined });
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("SSH-2.0-OpenSSH_9.6\r\n");
    }
    res.writeHead(200).end();
  });
  originUrl = `http://127.0.0.1:${await listen(origin, 0)}/guest/1`;
});
afterEach(() => {
  sim.reset();
  seen.length = 0;
});
afterAll(async () => {
  origin.close();
  await sim.close();
});

const access = () => cf.zeroTrust.access;
const host = "ssh-box-k3x9q2ab.lab.localhost";

async function protectedTunnel(email = "owner@example.test") {
  const policy = await access().policies.create({ account_id, name: "labvps-vm-1", decision: "allow", include: [{ email: { email } }] });
  const app = await access().applications.create({
    account_id,
    type: "self_hosted",
    name: "labvps-vm-1",
    domain: host,
    destinations: [{ type: "public", uri: host }],
    policies: [{ id: policy.id!, precedence: 1 }],
  });
  const tunnel = await cf.zeroTrust.tunnels.cloudflared.create({ account_id, name: "labvps-vm-1", config_src: "cloudflare" });
  await cf.dns.records.create({ zone_id: sim.options.zoneId, type: "CNAME", name: host, content: `${tunnel.id}.cfargotunnel.com`, proxied: true, ttl: 1 });
  const ingress = [{ hostname: host, service: "ssh://localhost:22" }, { service: "http_status:404" }] as ConfigurationUpdateParams.Config.Ingress[];
  await cf.zeroTrust.tunnels.cloudflared.configurations.update(tunnel.id!, { account_id, config: { ingress } });
  return { policy, app, tunnel };
}

async function register(tunnelId: string) {
  const token = await cf.zeroTrust.tunnels.cloudflared.token.get(tunnelId, { account_id });
  const res = await fetch(`${sim.url}/_sim/cloudflared/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, originUrl }),
  });
  return { status: res.status, body: await res.json() };
}

async function login(email: string, extra: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}/_sim/access/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ hostname: host, email, ...extra }),
  });
  return { status: res.status, body: (await res.json()) as { token?: string; error?: string } };
}

const edge = (headers: Record<string, string> = {}) => fetch(sim.edgeUrl(host), { headers, redirect: "manual" });

describe("Cloudflare stand-in: Access applications and policies through the real SDK", () => {
  it("creates a self-hosted application with an aud tag and a reusable policy, finds it by exact name, updates and deletes it", async () => {
    const { policy, app } = await protectedTunnel();
    expect(app).toMatchObject({ type: "self_hosted", name: "labvps-vm-1", domain: host, aud: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(app.policies).toEqual([
      expect.objectContaining({ id: policy.id, decision: "allow", precedence: 1, include: [{ email: { email: "owner@example.test" } }] }),
    ]);
    expect((await access().policies.get(policy.id!, { account_id })).app_count).toBe(1);

    const found = [];
    for await (const a of access().applications.list({ account_id, name: "labvps-vm-1", exact: true })) found.push(a);
    expect(found.map((a) => a.id)).toEqual([app.id]);
    const none = [];
    for await (const a of access().applications.list({ account_id, name: "labvps-vm-10", exact: true })) none.push(a);
    expect(none).toEqual([]);

    const updated = await access().applications.update(app.id!, {
      account_id,
      type: "self_hosted",
      name: "labvps-vm-1",
      domain: host,
      destinations: [
        { type: "public", uri: host },
        { type: "public", uri: "eve-box-k3x9q2ab.lab.localhost" },
      ],
      policies: [{ id: policy.id!, precedence: 1 }],
    });
    expect(updated).toMatchObject({ id: app.id, aud: app.aud });
    expect((updated as { destinations?: { uri?: string }[] }).destinations?.map((d) => d.uri)).toEqual([host, "eve-box-k3x9q2ab.lab.localhost"]);

    const inUse = await access()
      .policies.delete(policy.id!, { account_id })
      .catch((e) => e);
    expect(inUse).toBeInstanceOf(Cloudflare.BadRequestError);
    await access().applications.delete(app.id!, { account_id });
    await expect(access().applications.get(app.id!, { account_id })).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
    await access().policies.delete(policy.id!, { account_id });
    await expect(access().policies.get(policy.id!, { account_id })).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
  });

  it("application-scoped policies live and die with their application", async () => {
    const app = await access().applications.create({ account_id, type: "self_hosted", name: "scoped", domain: host });
    const scoped = await access().applications.policies.create(app.id!, {
      account_id,
      name: "owner",
      decision: "allow",
      include: [{ email: { email: "owner@example.test" } }],
      precedence: 1,
    } as never);
    const listed = [];
    for await (const p of access().applications.policies.list(app.id!, { account_id })) listed.push(p);
    expect(listed.map((p) => p.id)).toEqual([scoped.id]);
    await access().applications.delete(app.id!, { account_id });
    expect(sim.access.reusablePolicies()).toEqual([]);
  });

  it("refuses what Cloudflare refuses: an unknown identity provider, a policy without include, an unknown policy id", async () => {
    const error = (p: Promise<unknown>) => p.catch((e) => e);
    expect(await error(access().applications.create({ account_id, type: "self_hosted", domain: host, allowed_idps: ["nope"] }))).toBeInstanceOf(
      Cloudflare.BadRequestError,
    );
    expect(await error(access().policies.create({ account_id, name: "x", decision: "allow", include: [] }))).toBeInstanceOf(Cloudflare.BadRequestError);
    expect(await error(access().applications.create({ account_id, type: "self_hosted", domain: host, policies: ["not-a-policy"] }))).toBeInstanceOf(
      Cloudflare.BadRequestError,
    );
  });

  it("lists the identity providers and the organization's auth domain (the team name)", async () => {
    const idps = [];
    for await (const p of cf.zeroTrust.identityProviders.list({ account_id })) idps.push(p);
    expect(idps.map((p) => p.id)).toEqual([SIM_OTP_IDP_ID, SIM_SSO_IDP_ID]);
    expect((await cf.zeroTrust.organizations.list({ account_id }))?.auth_domain).toBe("labvps-sim.cloudflareaccess.com");
  });
});

describe("Cloudflare stand-in: the edge in front of an Access-protected tunnel", () => {
  it("without a token: the Access login redirect cloudflared recognises; with the owner's token: the origin, given the assertion", async () => {
    const { app, tunnel } = await protectedTunnel();
    expect((await register(tunnel.id!)).status).toBe(200);

    const anonymous = await edge();
    expect(anonymous.status).toBe(302);
    const location = new URL(anonymous.headers.get("location")!);
    expect(location.pathname).toBe(`/cdn-cgi/access/login/${host}`);
    expect(location.searchParams.get("kid")).toBe(app.aud);
    expect(seen).toEqual([]);

    const forged = await edge({ "cf-access-token": "eyJhbGciOiJub25lIn0.eyJlbWFpbCI6Im93bmVyQGV4YW1wbGUudGVzdCJ9.", "cf-access-jwt-assertion": "forged" });
    expect(forged.status).toBe(302);

    const { status, body } = await login("owner@example.test");
    expect(status).toBe(200);
    const allowed = await edge({ "cf-access-token": body.token! });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/^SSH-2\.0-/);
    expect(seen).toEqual([{ host, assertion: body.token }]);
    expect(await (await edge({ cookie: `CF_Authorization=${body.token}` })).text()).toMatch(/^SSH-2\.0-/);
  });

  it("another person's login is refused; a token for another application does not open this one", async () => {
    await protectedTunnel();
    const stranger = await login("someone@else.test");
    expect(stranger).toEqual({ status: 403, body: { error: "That account does not have access." } });
    const other = await access().applications.create({ account_id, type: "self_hosted", name: "other", domain: "other.lab.localhost" });
    const foreign = sim.accessTokens.issue(sim.access.app(other.id!), "owner@example.test").token;
    expect((await edge({ "cf-access-token": foreign })).status).toBe(302);
  });

  it("a deny policy and revoke_tokens: the old session no longer passes and a new login is refused", async () => {
    const { policy, app, tunnel } = await protectedTunnel();
    await register(tunnel.id!);
    const { body } = await login("owner@example.test");
    await access().policies.update(policy.id!, { account_id, name: "labvps-vm-1", decision: "deny", include: [{ everyone: {} }] });
    await access().applications.revokeTokens(app.id!, { account_id });
    expect((await edge({ "cf-access-token": body.token! })).status).toBe(302);
    expect((await login("owner@example.test")).status).toBe(403);
  });

  it("an application limited to one identity provider refuses the one-time PIN", async () => {
    const policy = await access().policies.create({ account_id, name: "sso", decision: "allow", include: [{ email: { email: "owner@example.test" } }] });
    await access().applications.create({
      account_id,
      type: "self_hosted",
      domain: host,
      allowed_idps: [SIM_SSO_IDP_ID],
      auto_redirect_to_identity: true,
      policies: [policy.id!],
    });
    expect((await login("owner@example.test")).status).toBe(403);
    expect((await login("owner@example.test", { idp: SIM_SSO_IDP_ID })).status).toBe(200);
  });

  it("no live connector is error 1033 (HTTP 530); a hostname without DNS does not resolve", async () => {
    await protectedTunnel();
    const { body } = await login("owner@example.test");
    const down = await edge({ "cf-access-token": body.token! });
    expect(down.status).toBe(530);
    expect(await down.text()).toBe("error code: 1033");
    expect((await fetch(sim.edgeUrl("nothing.lab.localhost"))).status).toBe(404);
  });

  it("a connector registers only with its tunnel's secret, and not once the tunnel is deleted", async () => {
    const { tunnel } = await protectedTunnel();
    const bad = await fetch(`${sim.url}/_sim/cloudflared/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: Buffer.from(JSON.stringify({ a: account_id, t: tunnel.id, s: "d3Jvbmc=" })).toString("base64"), originUrl }),
    });
    expect(bad.status).toBe(401);
    const token = await cf.zeroTrust.tunnels.cloudflared.token.get(tunnel.id!, { account_id });
    await cf.zeroTrust.tunnels.cloudflared.delete(tunnel.id!, { account_id });
    const gone = await fetch(`${sim.url}/_sim/cloudflared/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, originUrl }),
    });
    expect(gone.status).toBe(404);
  });

  it("serves the team's signing keys at /cdn-cgi/access/certs, and tokens verify against them", async () => {
    const { app } = await protectedTunnel();
    const certs = await (await fetch(`${sim.url}/cdn-cgi/access/certs`)).json();
    expect(certs.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", kid: expect.any(String) });
    const { token } = sim.accessTokens.issue(sim.access.app(app.id!), "owner@example.test");
    expect(sim.accessTokens.verifySignature(token)).toMatchObject({
      aud: [app.aud],
      email: "owner@example.test",
      iss: "https://labvps-sim.cloudflareaccess.com",
    });
    expect((await fetch(`${sim.url}/cdn-cgi/access/certs?team=someone-else`)).status).toBe(404);
  });
});
