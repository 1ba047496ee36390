// The real executor's rules, enforced by the stand-in and driven through the real SDK:
// registration validation (whole sync refused), the per-run limits, the event size limit, and
// Inngest's retry schedule under the time scale.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inngest } from "inngest";
import { quietLogger, startApp, startSim, type TestApp } from "./testkit";
import type { InngestSimHandle } from "./index";
import { BACKOFF_TABLE_MS, retryDelayMs } from "./backoff";
import { validateFunction } from "./validate";

const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
});

async function serve(sim: InngestSimHandle, id: string, define: (c: Inngest) => Parameters<typeof startApp>[1]) {
  const client = new Inngest({ id, isDev: true, baseUrl: sim.url, logger: quietLogger });
  const app: TestApp = await startApp(client, define(client));
  opened.push(app);
  return { client, app };
}

describe("registration: the executor's validation, the whole sync refused", () => {
  let sim: InngestSimHandle;
  beforeAll(async () => {
    sim = await startSim();
    opened.push(sim);
  });

  it("refuses a sync with an 11-trigger function: nothing from it is registered, the app keeps Inngest's message", async () => {
    const { app } = await serve(sim, "eleven", (c) => [
      c.createFunction({ id: "fine", triggers: [{ event: "x/fine" }] }, async () => "ok"),
      c.createFunction({ id: "too-many", triggers: Array.from({ length: 11 }, (_, i) => ({ event: `x/e${i}` })) }, async () => "ok"),
    ]);
    const [status] = await sim.sync(app.url);
    expect(status.ok).toBe(false);
    expect(status.message).toBe("At least one function is invalid");
    expect(status.errors).toEqual(["eleven-too-many: This function exceeds the max number of triggers: 10"]);
    // Not even the valid function is registered.
    expect(sim.functions()).toEqual([]);
    const apps = (await (await fetch(`${sim.url}/_sim/apps`)).json()) as { apps: Array<{ error?: string }> };
    expect(apps.apps[0].error).toBe("1 error occurred:\n\t* eleven-too-many: This function exceeds the max number of triggers: 10\n\n");
  });

  it("accepts 10 triggers, and wildcard triggers that cover more event types", async () => {
    const { app } = await serve(sim, "ten", (c) => [
      c.createFunction({ id: "ten", triggers: Array.from({ length: 10 }, (_, i) => ({ event: `x/e${i}` })) }, async () => "ok"),
      c.createFunction({ id: "wild", triggers: [{ event: "stripe/invoice.*" }, { event: "stripe/customer.subscription.*" }] }, async () => "ok"),
    ]);
    const [status] = await sim.sync(app.url);
    expect(status).toMatchObject({ ok: true });
    expect(sim.functions().map((f) => f.id)).toEqual(["ten-ten", "ten-wild"]);
  });

  it("checks option shapes the way the executor does", () => {
    const step = { steps: { step: { runtime: { url: "http://app/api/inngest?fnId=f&stepId=step" } } } };
    const errors = (fn: Record<string, unknown>) => validateFunction({ id: "f", name: "f", triggers: [{ event: "x/y" }], ...step, ...fn });
    expect(errors({})).toEqual([]);
    expect(errors({ concurrency: [{ limit: 1 }, { limit: 2, key: "event.data.a" }, { limit: 3, key: "event.data.b" }] })).toEqual([
      "There are more concurrency limits specified than the allowed max of: 2",
    ]);
    expect(errors({ concurrency: [{ limit: 1, scope: "env" }] })).toEqual(["A concurrency key must be specified for env scoped limits"]);
    expect(errors({ debounce: { period: "500ms" } })).toEqual(["The debounce period of '500ms' is less than the min of: 1s"]);
    expect(errors({ debounce: { period: "8d" } })).toEqual(["The debounce period of '8d' is greater than the max of: 168h0m0s"]);
    expect(errors({ throttle: { limit: 1, period: "soon" } })).toEqual(['Invalid request: time: invalid duration "soon"']);
    expect(errors({ rateLimit: { limit: 1, period: "2d" } })).toEqual(["period must be less than 24h0m0s"]);
    expect(errors({ triggers: [{ cron: "0 0 * * 7" }] })).toEqual(["'0 0 * * 7' isn't a valid cron schedule"]);
    expect(errors({ triggers: [{ cron: "@daily" }] })).toEqual(["'@daily' isn't a valid cron schedule"]);
    expect(errors({ triggers: [{ cron: "TZ=Europe/Paris 0 3 * * *" }] })).toEqual([]);
    expect(errors({ triggers: [{ event: "x/y" }, { event: "x/y" }] })).toEqual(["duplicate trigger event: x/y"]);
    expect(errors({ triggers: [{ event: "" }] })).toEqual(["An event trigger must specify an event name"]);
    expect(errors({ cancel: Array.from({ length: 6 }, (_, i) => ({ event: `x/c${i}` })) })).toEqual([
      "This function exceeds the max number of cancellation events: 5",
    ]);
    expect(errors({ name: "", id: "" })).toEqual(["A function name is required"]);
  });
});

describe("per-run and per-event limits", () => {
  let sim: InngestSimHandle;
  let client: Inngest;
  beforeAll(async () => {
    sim = await startSim();
    opened.push(sim);
    let app: TestApp;
    ({ client, app } = await serve(sim, "limits", (c) => [
      c.createFunction({ id: "endless", retries: 0, triggers: [{ event: "limits/endless" }] }, async ({ step }) => {
        for (let i = 0; ; i++) await step.run(`poll ${i}`, () => i);
      }),
      c.createFunction({ id: "bulky", retries: 0, triggers: [{ event: "limits/bulky" }] }, async ({ step }) => {
        await step.run("big output", () => "x".repeat(4 * 1024 * 1024 + 1));
      }),
    ]));
    await sim.sync(app.url);
  });

  it("fails a run for good when it passes 1,000 steps, with Inngest's error", async () => {
    await client.send({ name: "limits/endless", data: {} });
    const run = await sim.waitForRun((r) => r.functionId === "limits-endless" && r.status === "Failed", 60_000);
    expect(run.error).toMatchObject({ name: "InngestErrFunctionOverflowed", message: "The function run exceeded the step limit of 1000 steps." });
    expect(run.steps.filter((s) => s.status === "completed")).toHaveLength(1000);
  }, 90_000);

  it("fails a run whose step returns more than 4 MiB", async () => {
    await client.send({ name: "limits/bulky", data: {} });
    const run = await sim.waitForRun((r) => r.functionId === "limits-bulky" && r.status === "Failed", 20_000);
    expect(run.error).toMatchObject({ message: "step output size is greater than the limit" });
  });

  it("refuses an event over 512 KiB, whole request and all", async () => {
    await expect(
      client.send([
        { name: "limits/small", data: {} },
        { name: "limits/huge", data: { blob: "x".repeat(512 * 1024) } },
      ]),
    ).rejects.toThrow();
    expect(sim.events().filter((e) => e.name.startsWith("limits/small") || e.name === "limits/huge")).toEqual([]);
  });
});

describe("retry backoff: Inngest's table, proportional under the time scale", () => {
  it("is 15 s, 30 s, 1 m, 2 m, 5 m, 10 m, 20 m, 40 m, 1 h, 2 h, then 2 h, plus 0–30 s jitter", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15].map((a) => retryDelayMs(a, 0) / 1000)).toEqual([
      15, 30, 60, 120, 300, 600, 1200, 2400, 3600, 7200, 7200, 7200,
    ]);
    expect(retryDelayMs(0, 0.999_999)).toBe(15_000 + 29_999);
  });

  it("waits the scaled table between a step's attempts (real timing ÷ 600, jitter pinned to 0)", async () => {
    const scale = 1 / 600;
    const sim = await startSim({ timeScale: scale, random: () => 0 });
    opened.push(sim);
    const seen: number[] = [];
    const { client, app } = await serve(sim, "backoff", (c) => [
      c.createFunction({ id: "flaky", retries: 3, triggers: [{ event: "backoff/go" }] }, async ({ step }) =>
        step.run("call", () => {
          seen.push(Date.now());
          if (seen.length < 4) throw new Error("not yet");
          return seen.length;
        }),
      ),
    ]);
    await sim.sync(app.url);
    await client.send({ name: "backoff/go", data: {} });
    const run = await sim.waitForRun((r) => r.functionId === "backoff-flaky" && r.status === "Completed", 20_000);
    expect(run.output).toBe(4);
    const gaps = seen.slice(1).map((t, i) => t - seen[i]!);
    BACKOFF_TABLE_MS.slice(0, 3).forEach((ms, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(ms * scale - 5);
      expect(gaps[i]).toBeLessThan(ms * scale + 150);
    });
  });
});
