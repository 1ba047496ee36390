// Contract tests: the real `cloudflare` SDK against the stand-in, for the DNS calls the app makes.
import Cloudflare from "cloudflare";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareSim, type CloudflareSimHandle } from "./index";

let sim: CloudflareSimHandle;
let cf: Cloudflare;
let zone_id: string;
const tunnelTarget = "6ff42ae2-765d-4adf-8112-31c55c1551ef.cfargotunnel.com";

beforeAll(async () => {
  sim = await startCloudflareSim({ port: 0 });
  zone_id = sim.options.zoneId;
  cf = new Cloudflare({ apiToken: sim.options.apiToken, baseURL: sim.apiUrl, maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

describe("Cloudflare stand-in: DNS records through the real SDK", () => {
  it("creates a proxied CNAME under the zone, lists it by exact name, and deletes it", async () => {
    const record = await cf.dns.records.create({ zone_id, type: "CNAME", name: "ssh-101", content: tunnelTarget, proxied: true, ttl: 1 });
    expect(record).toMatchObject({ name: "ssh-101.lab.localhost", type: "CNAME", content: tunnelTarget, proxied: true, ttl: 1 });

    const byName = await cf.dns.records.list({ zone_id, name: { exact: "ssh-101.lab.localhost" }, type: "CNAME" });
    expect(byName.result.map((r) => r.id)).toEqual([record.id]);
    expect(byName.result_info).toMatchObject({ page: 1, count: 1 });
    expect((await cf.dns.records.list({ zone_id, name: { exact: "ssh-101" } })).result).toEqual([]);

    await expect(cf.dns.records.delete(record.id, { zone_id })).resolves.toEqual({ id: record.id });
    const gone = await cf.dns.records.get(record.id, { zone_id }).catch((e) => e);
    expect(gone).toBeInstanceOf(Cloudflare.NotFoundError);
    expect(gone.errors[0].code).toBe(81044);
  });

  it("also filters with the plain `name=` query older clients send", async () => {
    await cf.dns.records.create({ zone_id, type: "CNAME", name: "ssh-102.lab.localhost", content: tunnelTarget, proxied: true, ttl: 1 });
    const res = await fetch(`${sim.apiUrl}/zones/${zone_id}/dns_records?name=ssh-102.lab.localhost`, {
      headers: { authorization: `Bearer ${sim.options.apiToken}` },
    });
    const body = await res.json();
    expect(body).toMatchObject({ success: true, errors: [], messages: [], result_info: { total_count: 1 } });
    expect(body.result[0].name).toBe("ssh-102.lab.localhost");
  });

  it("refuses a second CNAME at the same host with 400 / code 81053", async () => {
    await cf.dns.records.create({ zone_id, type: "CNAME", name: "ssh-103", content: tunnelTarget, proxied: true, ttl: 1 });
    const error = await cf.dns.records
      .create({ zone_id, type: "CNAME", name: "ssh-103.lab.localhost", content: tunnelTarget, proxied: true, ttl: 1 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Cloudflare.BadRequestError);
    expect(error.errors[0]).toEqual({ code: 81053, message: "An A, AAAA, or CNAME record with that host already exists." });
  });

  it("validates content and edits records in place", async () => {
    const bad = await cf.dns.records.create({ zone_id, type: "A", name: "eve-104", content: "not-an-ip", ttl: 1 }).catch((e) => e);
    expect(bad).toBeInstanceOf(Cloudflare.BadRequestError);
    expect(bad.errors[0].code).toBe(9005);

    const record = await cf.dns.records.create({ zone_id, type: "A", name: "eve-104", content: "192.0.2.10", ttl: 1 });
    const edited = await cf.dns.records.edit(record.id, { zone_id, type: "A", name: "eve-104", content: "192.0.2.11", ttl: 300 });
    expect(edited).toMatchObject({ id: record.id, content: "192.0.2.11", ttl: 300, name: "eve-104.lab.localhost" });
  });

  it("answers an unknown zone with NotFoundError / code 7003", async () => {
    const error = await cf.dns.records.list({ zone_id: "not-my-zone" }).catch((e) => e);
    expect(error).toBeInstanceOf(Cloudflare.NotFoundError);
    expect(error.errors[0].code).toBe(7003);
  });
});
