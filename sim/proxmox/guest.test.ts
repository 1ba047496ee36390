// The guest model: a VM started with cloud-init user-data runs cloudflared with the token in it
// (against the Cloudflare stand-in), serves sshd and EVE-NG's web login through the edge, checks
// Access itself per ingress rule, and its connector goes away when the VM stops or is destroyed.
import Cloudflare from "cloudflare";
import type { ConfigurationUpdateParams } from "cloudflare/resources/zero-trust/tunnels/cloudflared/configurations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareSim, type CloudflareSimHandle } from "../cloudflare/index";
import { flowSequence, parseUserData } from "./guest-cloud-init";
import { EVE_DEFAULT_ADMIN_PASSWORD } from "./guest-services";
import { cloneReady, sshOnNode, startTestSim, type TestSim } from "./testkit";

let t: TestSim;
let cf: CloudflareSimHandle;
let api: Cloudflare;
let account_id: string;

beforeAll(async () => {
  cf = await startCloudflareSim({ port: 0 });
  t = await startTestSim({ cloudflareUrl: cf.url });
  account_id = cf.options.accountId;
  api = new Cloudflare({ apiToken: cf.options.apiToken, baseURL: cf.apiUrl, maxRetries: 0 });
});
afterAll(async () => {
  await t.stop();
  await cf.close();
});

const userData = (token: string, evePassword?: string) =>
  [
    "#cloud-config",
    'hostname: "lab"',
    ...(evePassword
      ? [
          "write_files:",
          '  - path: "/run/labvps/eve-admin.json"',
          '    permissions: "0600"',
          `    content: ${JSON.stringify(JSON.stringify({ password: evePassword }))}`,
        ]
      : []),
    "runcmd:",
    "  - [apt-get, install, -y, cloudflared]",
    `  - [cloudflared, service, install, "${token}"]`,
    ...(evePassword
      ? [
          '  - [curl, -fsS, --retry, "30", -c, /run/labvps/eve.cookie, -X, POST, -d, "{\\"username\\":\\"admin\\",\\"password\\":\\"eve\\"}", "http://127.0.0.1/api/auth/login"]',
          '  - [curl, -fsS, -b, /run/labvps/eve.cookie, -X, PUT, --data-binary, "@/run/labvps/eve-admin.json", "http://127.0.0.1/api/users/admin"]',
          "  - [rm, -f, /run/labvps/eve-admin.json, /run/labvps/eve.cookie]",
        ]
      : []),
  ].join("\n") + "\n";

async function power(vmid: number, action: "start" | "stop") {
  const status = await t.api.waitTask(await t.api.call<string>("POST", `/nodes/pve1/qemu/${vmid}/status/${action}`));
  expect(status.exitstatus).toBe("OK");
}

/** A VM on template 9000 (EVE-NG) or 9001, a tunnel with Access in its ingress, booted with user-data. */
async function bootGuest(vmid: number, template: 9000 | 9001, opts: { evePassword?: string; access?: boolean } = {}) {
  const host = `ssh-g${vmid}.lab.localhost`;
  const web = `eve-g${vmid}.lab.localhost`;
  const policy = await api.zeroTrust.access.policies.create({
    account_id,
    name: `p${vmid}`,
    decision: "allow",
    include: [{ email: { email: "owner@example.test" } }],
  });
  const app = await api.zeroTrust.access.applications.create({
    account_id,
    type: "self_hosted",
    name: `a${vmid}`,
    domain: host,
    destinations: [
      { type: "public", uri: host },
      { type: "public", uri: web },
    ],
    policies: [policy.id!],
  });
  const tunnel = await api.zeroTrust.tunnels.cloudflared.create({ account_id, name: `g${vmid}`, config_src: "cloudflare" });
  const originRequest = opts.access === false ? undefined : { access: { required: true, teamName: "labvps-sim", audTag: [app.aud!] } };
  const ingress = [
    { hostname: host, service: "ssh://localhost:22", originRequest },
    { hostname: web, service: "http://localhost:80", originRequest },
    { service: "http_status:404" },
  ] as ConfigurationUpdateParams.Config.Ingress[];
  await api.zeroTrust.tunnels.cloudflared.configurations.update(tunnel.id!, { account_id, config: { ingress } });
  for (const name of [host, web])
    await api.dns.records.create({ zone_id: cf.options.zoneId, type: "CNAME", name, content: `${tunnel.id}.cfargotunnel.com`, proxied: true, ttl: 1 });
  const upid = await t.api.call<string>("POST", `/nodes/pve1/qemu/${template}/clone`, { newid: vmid, name: `lab-${vmid}`, full: 1 });
  expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
  const token = await api.zeroTrust.tunnels.cloudflared.token.get(tunnel.id!, { account_id });
  await sshOnNode(t, "pve1", { write: { path: `/var/lib/vz/snippets/g${vmid}.yaml`, content: userData(token, opts.evePassword) } });
  await t.api.call("PUT", `/nodes/pve1/qemu/${vmid}/config`, { cicustom: `user=local:snippets/g${vmid}.yaml` });
  await power(vmid, "start");
  await expect.poll(() => cf.tunnels.liveConnectors(tunnel.id!).length).toBe(1);
  return { host, web, app, tunnel, policy };
}

async function ownerToken(hostname: string) {
  const res = await fetch(`${cf.url}/_sim/access/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ hostname, email: "owner@example.test" }),
  });
  return ((await res.json()) as { token: string }).token;
}

const eveLogin = (web: string, token: string, password: string) =>
  fetch(cf.edgeUrl(web, "/api/auth/login"), {
    method: "POST",
    headers: { "cf-access-token": token, "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });

describe("Proxmox stand-in guests", () => {
  it("reads the product's YAML shapes: flow sequences with quoted items, write_files with JSON-quoted content", () => {
    expect(flowSequence('[curl, -d, "{\\"a\\":\\"b, c\\"}", "http://x/y"]')).toEqual(["curl", "-d", '{"a":"b, c"}', "http://x/y"]);
    const parsed = parseUserData(userData("dG9rZW4=", "s3cret"));
    expect(parsed.writeFiles).toEqual([{ path: "/run/labvps/eve-admin.json", permissions: "0600", content: '{"password":"s3cret"}' }]);
    expect(parsed.runcmd[1]).toEqual(["cloudflared", "service", "install", "dG9rZW4="]);
  });

  it("a booted guest connects with its token; the edge reaches sshd with the owner's Access token, not without", async () => {
    const { host, tunnel } = await bootGuest(301, 9001);
    expect(t.sim.guests.get(301)).toMatchObject({ running: true, cloudflaredInstalled: true, connector: { tunnelId: tunnel.id } });
    expect((await api.zeroTrust.tunnels.cloudflared.get(tunnel.id!, { account_id })).status).toBe("healthy");
    expect((await fetch(cf.edgeUrl(host), { redirect: "manual" })).status).toBe(302);
    const res = await fetch(cf.edgeUrl(host), { headers: { "cf-access-token": await ownerToken(host) } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^SSH-2\.0-OpenSSH/);
  });

  it("the connector itself refuses a request that reached it without Access (an application removed, ingress still requiring it)", async () => {
    const { host, app } = await bootGuest(302, 9001);
    await api.zeroTrust.access.applications.delete(app.id!, { account_id });
    const res = await fetch(cf.edgeUrl(host));
    expect(res.status).toBe(403);
    expect(res.headers.get("x-sim-cloudflared")).toBe("no access token in request");
  });

  it("EVE-NG: the template's default admin password works until cloud-init changes it; after that only the new one does", async () => {
    const plain = await bootGuest(303, 9000);
    const token = await ownerToken(plain.web);
    expect((await eveLogin(plain.web, token, EVE_DEFAULT_ADMIN_PASSWORD)).status).toBe(200);

    const set = await bootGuest(304, 9000, { evePassword: "Vm-Own-Password-42" });
    const owner = await ownerToken(set.web);
    const refused = await eveLogin(set.web, owner, EVE_DEFAULT_ADMIN_PASSWORD);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ status: "fail", message: expect.stringMatching(/90014/) });
    const accepted = await eveLogin(set.web, owner, "Vm-Own-Password-42");
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ code: 200, status: "success", message: "User logged in (90013)." });
    expect(t.sim.guests.get(304)?.eveDefaultPasswordChanged).toBe(true);
  });

  it("stopping the VM ends its connector (the tunnel goes down, the edge answers 1033); starting it again reconnects", async () => {
    const { host, tunnel } = await bootGuest(305, 9001);
    const token = await ownerToken(host);
    await power(305, "stop");
    await expect.poll(() => cf.tunnels.liveConnectors(tunnel.id!).length).toBe(0);
    expect((await api.zeroTrust.tunnels.cloudflared.get(tunnel.id!, { account_id })).status).toBe("down");
    expect(await (await fetch(cf.edgeUrl(host), { headers: { "cf-access-token": token } })).text()).toBe("error code: 1033");
    await power(305, "start");
    await expect.poll(() => cf.tunnels.liveConnectors(tunnel.id!).length).toBe(1);
  });

  it("connections deleted through the API come back while cloudflared runs: deleting the tunnel then needs the VM gone or cascade", async () => {
    const { tunnel } = await bootGuest(306, 9001);
    await api.zeroTrust.tunnels.cloudflared.connections.delete(tunnel.id!, { account_id });
    await expect.poll(() => cf.tunnels.liveConnectors(tunnel.id!).length).toBe(1);
    const refused = await api.zeroTrust.tunnels.cloudflared.delete(tunnel.id!, { account_id }).catch((e) => e);
    expect(refused.errors?.[0]?.code).toBe(1022);
    await power(306, "stop");
    await t.api.waitTask(await t.api.call<string>("DELETE", "/nodes/pve1/qemu/306"));
    await expect.poll(() => cf.tunnels.liveConnectors(tunnel.id!).length).toBe(0);
    await expect(api.zeroTrust.tunnels.cloudflared.delete(tunnel.id!, { account_id })).resolves.toMatchObject({ deleted_at: expect.any(String) });
    expect(t.sim.guests.get(306)).toBeUndefined();
  });

  it("a reused VMID is a new guest: nothing of the old one's connector or cloud-init carries over", async () => {
    await cloneReady(t, 307);
    await power(307, "start");
    expect(t.sim.guests.get(307)).toMatchObject({ running: true, cloudflaredInstalled: false, connector: null });
  });
});
