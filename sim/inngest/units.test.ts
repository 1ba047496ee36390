// The small parsers the executor leans on.
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { CronError, cronMatches, parseCron } from "./cron";
import { evaluate, evaluateKey, matches } from "./expr";
import { durationMs, hashStepId, seededUlids } from "./protocol";
import { nameMatches } from "./registry";

const at = (iso: string) => new Date(iso);

describe("cron", () => {
  it("matches lists, ranges, steps and names in UTC", () => {
    expect(cronMatches("0 3 * * *", at("2026-03-04T03:00:00Z"))).toBe(true);
    expect(cronMatches("0 3 * * *", at("2026-03-04T03:01:00Z"))).toBe(false);
    expect(cronMatches("*/15 9-17 * * MON-FRI", at("2026-03-04T09:45:00Z"))).toBe(true);
    expect(cronMatches("*/15 9-17 * * MON-FRI", at("2026-03-07T09:45:00Z"))).toBe(false);
    expect(cronMatches("0 0 1,15 * *", at("2026-03-15T00:00:00Z"))).toBe(true);
    // robfig rule: with both day fields restricted, either may match.
    expect(cronMatches("0 0 13 * 5", at("2026-03-06T00:00:00Z"))).toBe(true);
    expect(cronMatches("0 0 13 * */2", at("2026-03-06T00:00:00Z"))).toBe(false);
  });

  it("honours a TZ= / CRON_TZ= prefix: the schedule runs on that zone's wall clock, DST included", () => {
    // 03:00 in Paris is 02:00 UTC in winter (CET) and 01:00 UTC in summer (CEST).
    expect(cronMatches("TZ=Europe/Paris 0 3 * * *", at("2026-01-15T02:00:00Z"))).toBe(true);
    expect(cronMatches("TZ=Europe/Paris 0 3 * * *", at("2026-01-15T03:00:00Z"))).toBe(false);
    expect(cronMatches("CRON_TZ=Europe/Paris 0 3 * * *", at("2026-07-15T01:00:00Z"))).toBe(true);
    // Day of week on the zone's date: Saturday 23:30 UTC is already Sunday in Tokyo.
    expect(cronMatches("TZ=Asia/Tokyo 30 8 * * SUN", at("2026-03-07T23:30:00Z"))).toBe(true);
  });

  it("refuses what the executor's parser (robfig/cron, five fields, no descriptors) refuses", () => {
    expect(() => parseCron("* * *")).toThrow(CronError);
    expect(() => parseCron("61 * * * *")).toThrow(CronError);
    expect(() => parseCron("*/0 * * * *")).toThrow(CronError);
    expect(() => parseCron("0 0 * * 7")).toThrow(/above maximum/);
    expect(() => parseCron("@hourly")).toThrow(/does not accept descriptors/);
    expect(() => parseCron("0 0 0 * * *")).toThrow(/exactly 5 fields/);
    expect(() => parseCron("TZ=Mars/Olympus 0 3 * * *")).toThrow(/bad location/);
    expect(parseCron("TZ=UTC 0 3 * * ?").timeZone).toBe("UTC");
  });
});

describe("expressions", () => {
  const event = { name: "a", data: { orderId: "o1", n: 3, nested: { ok: true } } };
  it("compares event and async fields, with CEL's missing-field rule", () => {
    expect(matches("async.data.orderId == event.data.orderId", { event, async: { data: { orderId: "o1" } } })).toBe(true);
    expect(matches("event.data.orderId == async.data.orderId", { event, async: { data: { orderId: "o2" } } })).toBe(false);
    expect(matches("event.data.missing == async.data.missing", { event, async: { data: {} } })).toBe(false);
    expect(matches("event.data.function_id == 'app-fn'", { event: { data: { function_id: "app-fn" } } })).toBe(true);
    expect(matches("event.data.n > 2 && event.data.nested.ok", { event })).toBe(true);
    expect(matches("event.data.n != 3 || !event.data.nested.ok", { event })).toBe(false);
    expect(matches("(event.data.n >= 3)", { event })).toBe(true);
    expect(matches("event.data[", { event })).toBe(false);
  });

  it("turns keys into strings", () => {
    expect(evaluateKey("event.data.orderId", { event })).toBe("o1");
    expect(evaluateKey("event.data.n", { event })).toBe("3");
    expect(evaluateKey("'vm-' + event.data.orderId", { event })).toBe("vm-o1");
    expect(evaluate("event.data.nope", { event })).toBeUndefined();
  });
});

describe("wire helpers", () => {
  it("parses the SDK's time strings and ISO instants", () => {
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(durationMs("2d")).toBe(172_800_000);
    expect(durationMs("1w1s")).toBe(604_801_000);
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("2030-01-01T00:00:10Z", Date.parse("2030-01-01T00:00:00Z"))).toBe(10_000);
    expect(durationMs("soon")).toBeUndefined();
    expect(durationMs("")).toBeUndefined();
  });

  it("hashes step ids like the SDK (sha1 hex of the userland id)", () => {
    expect(hashStepId("one")).toBe("fe05bcdcdc4928012781a5f1a2a77cbb5398e106");
  });

  it("derives the same event ids from the same SDK seed, so a retried send is stored once", () => {
    const seed = `1760000000000,${Buffer.alloc(10, 7).toString("base64")}`;
    const a = seededUlids(seed, 2)!;
    expect(a).toEqual(seededUlids(seed, 2));
    expect(a[0]).not.toBe(a[1]);
    expect(a[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(seededUlids("nonsense", 1)).toBeUndefined();
  });

  it("matches event names with wildcards only after a / or . at the end, as Inngest does", () => {
    expect(nameMatches("stripe/*", "stripe/invoice.paid")).toBe(true);
    expect(nameMatches("stripe/invoice.*", "stripe/invoice.payment_failed")).toBe(true);
    expect(nameMatches("stripe/customer.subscription.*", "stripe/customer.subscription.updated")).toBe(true);
    expect(nameMatches("stripe/customer.subscription.*", "stripe/customer.updated")).toBe(false);
    expect(nameMatches("stripe/invoice.paid", "stripe/invoice_paid")).toBe(false);
    expect(nameMatches("stripe/inv*", "stripe/invoice.paid")).toBe(false);
    expect(nameMatches("*.paid", "stripe/invoice.paid")).toBe(false);
  });
});

describe("callSdk", () => {
  it("leaves no listener on the executor's closing signal per request (undici keeps one per fetch signal: MaxListenersExceededWarning)", async () => {
    const { createServer } = await import("node:http");
    const { callSdk } = await import("./protocol");
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const closing = new AbortController();
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/inngest`;
      const body = {
        event: { name: "x", data: {} },
        events: [],
        steps: {},
        ctx: { run_id: "r", attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
      };
      for (let i = 0; i < 30; i++) expect((await callSdk(url, body as never, closing.signal)).result.kind).toBe("done");
      expect(getEventListeners(closing.signal, "abort")).toHaveLength(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
