// Contract tests: the real `resend` SDK against the mail stand-in.
import { Resend } from "resend";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startMailSim, type MailSimHandle } from "./index";

let sim: MailSimHandle;
let resend: Resend;
const from = "Lab VPS <noreply@lab.localhost>";
const ready = { from, to: "ada@example.com", subject: "Your VM is ready", html: "<p>vm-101 is <b>ready</b></p>" };

beforeAll(async () => {
  // Unlimited rate here; the rate-limit test starts a stand-in with Resend's default (2/s).
  sim = await startMailSim({ port: 0, rateLimitPerSecond: null });
  resend = new Resend("re_test_key", { baseUrl: sim.url });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

describe("mail stand-in through the real resend SDK", () => {
  it("reads RESEND_BASE_URL when the client is constructed (not per request), and stores what was sent", async () => {
    const previous = process.env.RESEND_BASE_URL;
    process.env.RESEND_BASE_URL = sim.url;
    const fromEnv = new Resend("re_env_key");
    // Restored before sending: the client keeps the URL it read at construction.
    if (previous === undefined) delete process.env.RESEND_BASE_URL;
    else process.env.RESEND_BASE_URL = previous;

    const { data, error } = await fromEnv.emails.send({ ...ready, text: "vm-101 is ready", tags: [{ name: "kind", value: "vm_ready" }] });
    expect(error).toBeNull();
    expect(data?.id).toMatch(/^[0-9a-f-]{36}$/);

    const [stored] = sim.messages({ to: "ADA@example.com" });
    expect(stored).toMatchObject({ id: data!.id, from, to: ["ada@example.com"], subject: "Your VM is ready", text: "vm-101 is ready" });
    expect(stored.tags).toEqual([{ name: "kind", value: "vm_ready" }]);

    const fetched = await resend.emails.get(data!.id);
    expect(fetched.data).toMatchObject({ object: "email", id: data!.id, to: ["ada@example.com"], last_event: "delivered" });
  });

  it("returns validation errors as { data: null, error } in Resend's shape, storing nothing", async () => {
    const missing = await resend.emails.send({ from, to: "ada@example.com", html: "<p>x</p>" } as never);
    expect(missing).toMatchObject({ data: null, error: { statusCode: 422, name: "missing_required_field", message: "Missing `subject` field." } });

    const badTo = await resend.emails.send({ ...ready, to: "not-an-address" });
    expect(badTo.error).toMatchObject({ statusCode: 422, name: "validation_error", message: expect.stringMatching(/Invalid `to` field/) });
    expect(sim.messages()).toEqual([]);
  });

  it("rejects a missing or non-Resend API key", async () => {
    const res = await fetch(`${sim.url}/emails`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ready) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ name: "missing_api_key" });
    const wrong = await new Resend("sk_not_resend", { baseUrl: sim.url }).emails.send(ready);
    expect(wrong.error).toMatchObject({ statusCode: 403, name: "invalid_api_key" });
  });

  it("like Resend: the same Idempotency-Key and payload replays the first id and sends nothing new", async () => {
    const first = await resend.emails.send(ready, { idempotencyKey: "vm-ready/101" });
    const replay = await resend.emails.send(ready, { idempotencyKey: "vm-ready/101" });
    expect(replay.data?.id).toBe(first.data?.id);
    expect(sim.messages()).toHaveLength(1);
  });

  it("like Resend: the same Idempotency-Key with another payload is a 409 invalid_idempotent_request", async () => {
    await resend.emails.send(ready, { idempotencyKey: "vm-ready/102" });
    const mismatch = await resend.emails.send({ ...ready, subject: "Something else" }, { idempotencyKey: "vm-ready/102" });
    expect(mismatch).toMatchObject({ data: null, error: { statusCode: 409, name: "invalid_idempotent_request" } });
    expect(sim.messages()).toHaveLength(1);
  });

  it("sends a batch, and refuses the whole batch in strict mode when one email is invalid", async () => {
    const ok = await resend.batch.send([ready, { ...ready, to: ["bob@example.com"] }]);
    expect(ok.data?.data).toHaveLength(2);
    const bad = await resend.batch.send([ready, { ...ready, to: "nope" }]);
    expect(bad.error).toMatchObject({ statusCode: 422, message: expect.stringMatching(/^emails\[1\]/) });
    expect(sim.messages()).toHaveLength(2);
  });

  it("surfaces an injected 429 as an error result (the SDK does not retry)", async () => {
    sim.faults.add({ method: "POST", path: "/emails", status: 429 });
    const limited = await resend.emails.send(ready);
    expect(limited.error).toMatchObject({ statusCode: 429, name: "rate_limit_exceeded" });
    expect((await resend.emails.send(ready)).error).toBeNull();
  });

  it("lists received mail as JSON newest first, filters by recipient, and shows HTML sandboxed", async () => {
    await resend.emails.send(ready);
    await resend.emails.send({ ...ready, to: "Bob <bob@example.com>", subject: "Invoice paid" });

    const all = await (await fetch(`${sim.url}/_sim/messages`)).json();
    expect(all.messages.map((m: { subject: string }) => m.subject)).toEqual(["Invoice paid", "Your VM is ready"]);
    const forBob = await (await fetch(`${sim.url}/_sim/messages?to=bob@example.com`)).json();
    expect(forBob.messages).toHaveLength(1);

    const page = await (await fetch(`${sim.url}/_sim`)).text();
    expect(page).toContain("Invoice paid");
    expect(page).toMatch(/<iframe src="\/_sim\/messages\/[0-9a-f-]+\/html" sandbox="/);
    const html = await fetch(`${sim.url}/_sim/messages/${forBob.messages[0].id}/html`);
    expect(html.headers.get("content-security-policy")).toMatch(/^sandbox/);
    // Links open in a new tab: inside the frame the app would refuse to load (frame-ancestors).
    expect(await html.text()).toBe(`<base target="_blank">${ready.html}`);

    expect((await fetch(`${sim.url}/_sim/messages`, { method: "DELETE" })).status).toBe(200);
    expect(sim.messages()).toEqual([]);
  });

  it("makes the plain-text part's links clickable on the page, and a full document's links open outside the frame", async () => {
    const link = "http://localhost:3000/verify-email?token=a&b=1";
    const html = `<!doctype html><html><head><meta charset="utf-8"></head><body><a href="${link}">Confirm</a></body></html>`;
    await resend.emails.send({ ...ready, html, text: `Confirm: ${link}` });
    const page = await (await fetch(`${sim.url}/_sim`)).text();
    expect(page).toContain('<a href="http://localhost:3000/verify-email?token=a&#38;b=1" target="_blank" rel="noopener">');
    const [message] = sim.messages();
    const served = await (await fetch(`${sim.url}/_sim/messages/${message.id}/html`)).text();
    expect(served).toContain('<head><base target="_blank"><meta charset="utf-8">');
  });

  it("waitForMessage resolves when matching mail arrives", async () => {
    const waiting = sim.waitForMessage({ to: "carol@example.com" }, 2000);
    await resend.emails.send({ ...ready, to: "carol@example.com" });
    await expect(waiting).resolves.toMatchObject({ to: ["carol@example.com"] });
  });
});

describe("mail stand-in: the account as Resend keeps it", () => {
  it("like Resend: a `from` on a domain that is not verified is a 403 validation_error, and nothing is sent", async () => {
    sim.account.setDomain("lab.localhost", "pending");
    const refused = await resend.emails.send(ready);
    expect(refused).toMatchObject({
      data: null,
      error: {
        statusCode: 403,
        name: "validation_error",
        message: "The lab.localhost domain is not verified. Please, add and verify your domain on https://resend.com/domains",
      },
    });
    const otherDomain = await resend.emails.send({ ...ready, from: "Lab <noreply@elsewhere.example>" });
    expect(otherDomain.error).toMatchObject({ statusCode: 403, message: expect.stringMatching(/^The elsewhere\.example domain is not verified/) });
    const listed = await resend.domains.list();
    expect(listed.data?.data).toEqual([expect.objectContaining({ name: "lab.localhost", status: "pending" })]);
    expect(sim.messages()).toEqual([]);

    const verify = await fetch(`${sim.url}/_sim/domains/lab.localhost`, { method: "PUT", body: JSON.stringify({ status: "verified" }) });
    expect(verify.status).toBe(200);
    expect((await resend.emails.send(ready)).error).toBeNull();
  });

  it("like Resend: 403 for the sender's domain, 422 for a malformed recipient or sender (invalid_from_address)", async () => {
    const badTo = await resend.emails.send({ ...ready, to: "nobody-at-all" });
    expect(badTo.error).toMatchObject({ statusCode: 422, name: "validation_error", message: expect.stringMatching(/^Invalid `to` field/) });
    const badFrom = await resend.emails.send({ ...ready, from: "not an address" });
    expect(badFrom.error).toMatchObject({ statusCode: 422, name: "invalid_from_address", message: expect.stringMatching(/^Invalid `from` field/) });
  });

  it("like Resend: the resend.dev test sender reaches only the account owner (403 for anyone else)", async () => {
    const test = { ...ready, from: "onboarding@resend.dev" };
    expect((await resend.emails.send({ ...test, to: "owner@lab.localhost" })).error).toBeNull();
    const other = await resend.emails.send(test);
    expect(other.error).toMatchObject({
      statusCode: 403,
      name: "validation_error",
      message: expect.stringMatching(/^You can only send testing emails to your own email address/),
    });
  });

  it("like Resend: 2 requests per second per team, then 429 rate_limit_exceeded with the ratelimit-* and retry-after headers", async () => {
    const strict = await startMailSim({ port: 0 });
    onTestFinished(() => strict.close());
    const post = () =>
      fetch(`${strict.url}/emails`, {
        method: "POST",
        headers: { authorization: "Bearer re_a", "content-type": "application/json" },
        body: JSON.stringify(ready),
      });
    const first = await post();
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    // Another key of the same team shares the limit.
    expect((await new Resend("re_other_key", { baseUrl: strict.url }).emails.send(ready)).error).toBeNull();
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      statusCode: 429,
      name: "rate_limit_exceeded",
      message: "Too many requests. Please limit the number of requests per second. Or contact support to increase rate limit.",
    });
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect(strict.account.rateStats()).toEqual({ peakPerSecond: 2, limited: 1 });
    expect(strict.messages()).toHaveLength(2);
    await expect.poll(async () => (await post()).status, { interval: 200, timeout: 3000 }).toBe(200);
  });

  it("like Resend: a daily quota counts every recipient, then 429 daily_quota_exceeded; x-resend-daily-quota reports the count", async () => {
    const limited = await startMailSim({ port: 0, dailyQuota: 3, rateLimitPerSecond: null });
    try {
      const client = new Resend("re_quota", { baseUrl: limited.url });
      const two = await client.emails.send({ ...ready, to: ["a@example.com", "b@example.com"] });
      expect(two.error).toBeNull();
      expect(two.headers?.["x-resend-daily-quota"]).toBe("2");
      expect((await client.emails.send(ready)).error).toBeNull();
      const over = await client.emails.send(ready);
      expect(over.error).toEqual({ statusCode: 429, name: "daily_quota_exceeded", message: "You have reached your daily email sending quota." });
      const usage = await client.usage.get();
      expect(usage.data?.emails.daily).toMatchObject({ used: 3, limit: 3 });
    } finally {
      await limited.close();
    }
  });

  it("like Resend: a sending-only key sends (and reads usage) but every other endpoint is a 401 restricted_api_key", async () => {
    await fetch(`${sim.url}/_sim/api-keys`, { method: "POST", body: JSON.stringify({ token: "re_sending_only", permission: "sending_access" }) });
    const sender = new Resend("re_sending_only", { baseUrl: sim.url });
    const sent = await sender.emails.send(ready);
    expect(sent.error).toBeNull();
    const domains = await sender.domains.list();
    expect(domains.error).toEqual({ statusCode: 401, name: "restricted_api_key", message: "This API key is restricted to only send emails." });
    expect((await sender.emails.get(sent.data!.id)).error).toMatchObject({ name: "restricted_api_key" });
  });
});
