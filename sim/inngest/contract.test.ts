// Contract: the real inngest@4 SDK, served by `inngest/node`, driven by the stand-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inngest, NonRetriableError } from "inngest";
import { quietLogger, startApp, startSim, type TestApp } from "./testkit";
import type { InngestSimHandle } from "./index";
import type { RunView } from "./state";

let sim: InngestSimHandle;
let app: TestApp;
let client: Inngest;

const bodies: Record<string, number> = {};
const seenAttempts: number[] = [];
const timeline: Record<string, number> = {};
const inFlight = { total: 0, maxTotal: 0, byKey: {} as Record<string, number>, maxByKey: {} as Record<string, number> };
const count = (key: string) => (bodies[key] = (bodies[key] ?? 0) + 1);

function defineFunctions(c: Inngest) {
  const hello = c.createFunction({ id: "hello", triggers: [{ event: "contract/hello" }] }, async ({ event, step }) => {
    const a = await step.run("reserve vmid", () => (count("reserve"), { vmid: 101 }));
    const b = await step.run("clone template", () => (count("clone"), `cloned ${a.vmid}`));
    const [p, q] = await Promise.all([step.run("left", () => (count("left"), 1)), step.run("right", () => (count("right"), 2))]);
    return { a, b, sum: p + q, who: event.data.who };
  });
  const retrying = c.createFunction({ id: "retrying", retries: 3, triggers: [{ event: "contract/retry" }] }, async ({ step, attempt }) => {
    const out = await step.run("flaky call", () => {
      seenAttempts.push(attempt);
      if (attempt < 2) throw new Error(`busy (attempt ${attempt})`);
      return `ok on attempt ${attempt}`;
    });
    return out;
  });
  const fragile = c.createFunction(
    {
      id: "fragile",
      triggers: [{ event: "contract/fragile" }],
      onFailure: async ({ error, event }) => ({ handled: error.message, originalOrder: event.data.event.data.orderId }),
    },
    async ({ step }) => {
      await step.run("charge card", () => {
        count("charge");
        throw new NonRetriableError("card declined");
      });
    },
  );
  const sleepy = c.createFunction({ id: "sleepy", triggers: [{ event: "contract/sleepy" }] }, async ({ step }) => {
    await step.run("before", () => (timeline.before = Date.now()));
    await step.sleep("nap", "2s");
    await step.run("after", () => (timeline.after = Date.now()));
  });
  const waiter = c.createFunction({ id: "waiter", triggers: [{ event: "contract/order.placed" }] }, async ({ step }) => {
    const approval = await step.waitForEvent("wait for approval", {
      event: "contract/order.approved",
      timeout: event_timeout(),
      if: "async.data.orderId == event.data.orderId",
    });
    return approval ? { approvedBy: approval.data.by } : null;
  });
  const parent = c.createFunction({ id: "parent", triggers: [{ event: "contract/parent" }] }, async ({ event, step }) => {
    await step.sendEvent("ask child", { name: "contract/child", data: { from: event.data.tag } });
    return "sent";
  });
  const child = c.createFunction({ id: "child", triggers: [{ event: "contract/child" }] }, async ({ event, step }) => {
    return step.run("greet", () => `child got ${event.data.from}`);
  });
  const serial = c.createFunction(
    { id: "serial", concurrency: { limit: 1, key: "event.data.orderId" }, triggers: [{ event: "contract/serial" }] },
    async ({ event, step }) => {
      await step.run("touch vm", async () => {
        const key = String(event.data.orderId);
        inFlight.total++;
        inFlight.byKey[key] = (inFlight.byKey[key] ?? 0) + 1;
        inFlight.maxTotal = Math.max(inFlight.maxTotal, inFlight.total);
        inFlight.maxByKey[key] = Math.max(inFlight.maxByKey[key] ?? 0, inFlight.byKey[key]);
        await new Promise((r) => setTimeout(r, 40));
        inFlight.total--;
        inFlight.byKey[key]--;
      });
    },
  );
  const cancellable = c.createFunction(
    { id: "cancellable", cancelOn: [{ event: "contract/order.cancelled", match: "data.orderId" }], triggers: [{ event: "contract/provision" }] },
    async ({ step }) => {
      await step.sleep("wait a long time", "1h");
      await step.run("provision", () => count("provision-after-sleep"));
    },
  );
  const nightly = c.createFunction({ id: "nightly", triggers: [{ cron: "TZ=Europe/Paris 0 3 * * *" }] }, async ({ event, step }) => {
    return step.run("sweep", () => ({ cron: (event.data as { cron?: string }).cron }));
  });
  const adder = c.createFunction({ id: "adder", triggers: [{ event: "contract/add" }] }, async ({ event }) => event.data.a + event.data.b);
  const caller = c.createFunction({ id: "caller", triggers: [{ event: "contract/call" }] }, async ({ step }) => {
    return step.invoke("add numbers", { function: adder, data: { a: 2, b: 3 } });
  });
  const once = c.createFunction(
    { id: "once-per-order", idempotency: "event.data.orderId", triggers: [{ event: "contract/once" }] },
    async ({ event }) => event.data.orderId,
  );
  return [once, hello, retrying, fragile, sleepy, waiter, parent, child, serial, cancellable, nightly, adder, caller];
}

let waitTimeout = "1h";
const event_timeout = () => waitTimeout;

const byFn = (id: string) => (r: RunView) => r.functionId === `contract-${id}`;
const finished = (id: string) => (r: RunView) => byFn(id)(r) && !["Queued", "Running"].includes(r.status);

beforeAll(async () => {
  sim = await startSim();
  client = new Inngest({ id: "contract", isDev: true, baseUrl: sim.url, logger: quietLogger });
  app = await startApp(client, defineFunctions(client));
  const [status] = await sim.sync(app.url);
  expect(status.ok).toBe(true);
});

afterAll(async () => {
  await sim?.close();
  await app?.close();
});

describe("inngest stand-in, driven through the real SDK", () => {
  it("sync: a PUT to the serve URL makes the SDK register every function, onFailure as its own", () => {
    const fns = Object.fromEntries(sim.functions().map((f) => [f.id, f]));
    expect(fns["contract-hello"].eventTriggers).toEqual([{ event: "contract/hello" }]);
    expect(fns["contract-hello"].retries).toBe(3);
    expect(fns["contract-serial"].concurrency).toEqual([{ limit: 1, key: "event.data.orderId", scope: "fn" }]);
    expect(fns["contract-cancellable"].cancel).toEqual([{ event: "contract/order.cancelled", if: "event.data.orderId == async.data.orderId" }]);
    expect(fns["contract-nightly"].crons[0].cron).toBe("TZ=Europe/Paris 0 3 * * *");
    expect(fns["contract-fragile-failure"].eventTriggers).toEqual([
      { event: "inngest/function.failed", expression: "event.data.function_id == 'contract-fragile'" },
    ]);
    expect(fns["contract-hello"].url).toBe(`${app.url}?fnId=contract-hello&stepId=step`);
  });

  it("runs a function to completion with memoized step outputs, each step body once", async () => {
    await client.send({ name: "contract/hello", data: { who: "ada" } });
    const run = await sim.waitForRun(finished("hello"));
    expect(run.status).toBe("Completed");
    expect(run.output).toEqual({ a: { vmid: 101 }, b: "cloned 101", sum: 3, who: "ada" });
    expect(bodies).toMatchObject({ reserve: 1, clone: 1, left: 1, right: 1 });
    expect(run.steps.map((s) => [s.name, s.status, s.output])).toEqual([
      ["reserve vmid", "completed", { vmid: 101 }],
      ["clone template", "completed", "cloned 101"],
      ["left", "completed", 1],
      ["right", "completed", 2],
    ]);
    // Checkpointing: the SDK ran the steps inline and posted each to /v1/checkpoint, so the
    // executor needed fewer requests than steps.
    // ("reserve vmid" and "clone template" in the first request), then one request per
    // parallel step and one to finish: 4, where one request per step would take 6.
    expect(run.attempts).toBe(4);
    expect(sim.checkpoints()).toBeGreaterThanOrEqual(2);
  });

  it("stores an event id once within 24 h and triggers nothing new for the replay", async () => {
    const first = await client.send({ name: "contract/hello", id: "evt_stripe_1", data: { who: "dup" } });
    const second = await client.send({ name: "contract/hello", id: "evt_stripe_1", data: { who: "dup" } });
    expect(second.ids).toEqual(first.ids);
    await sim.waitForIdle();
    expect(sim.runs().filter((r) => r.event.data.who === "dup")).toHaveLength(1);
    const stored = sim.events().filter((e) => e.id === "evt_stripe_1");
    expect(stored).toHaveLength(1);
    expect(stored[0].duplicates).toBe(1);
  });

  it("retries a failing step with increasing ctx.attempt, then memoizes its success", async () => {
    await client.send({ name: "contract/retry", data: {} });
    const run = await sim.waitForRun(finished("retrying"));
    expect(run.status).toBe("Completed");
    expect(run.output).toBe("ok on attempt 2");
    expect(seenAttempts).toEqual([0, 1, 2]);
    expect(run.steps[0]).toMatchObject({ name: "flaky call", status: "completed", attempts: 3 });
  });

  it("fails at once on NonRetriableError and runs onFailure with the error and the original event", async () => {
    await client.send({ name: "contract/fragile", data: { orderId: "ord_9" } });
    const run = await sim.waitForRun(finished("fragile"));
    expect(run.status).toBe("Failed");
    expect(run.error).toMatchObject({ name: "NonRetriableError", message: "card declined" });
    expect(bodies.charge).toBe(1);
    const failure = await sim.waitForRun(finished("fragile-failure"));
    expect(failure.status).toBe("Completed");
    expect(failure.output).toEqual({ handled: "card declined", originalOrder: "ord_9" });
    expect(failure.event).toMatchObject({
      name: "inngest/function.failed",
      data: {
        function_id: "contract-fragile",
        run_id: run.id,
        error: { name: "NonRetriableError", message: "card declined" },
        event: { name: "contract/fragile" },
      },
    });
  });

  it("really waits on step.sleep, scaled by timeScale (2s × 0.01)", async () => {
    await client.send({ name: "contract/sleepy", data: {} });
    const run = await sim.waitForRun(finished("sleepy"));
    expect(run.status).toBe("Completed");
    expect(timeline.after - timeline.before).toBeGreaterThanOrEqual(19);
    expect(run.steps.find((s) => s.name === "nap")).toMatchObject({ op: "Sleep", status: "completed", output: null });
  });

  it("resumes waitForEvent only for a later event matching its `if`", async () => {
    waitTimeout = "1h";
    await client.send({ name: "contract/order.placed", data: { orderId: "o1" } });
    await sim.waitForRun((r) => byFn("waiter")(r) && r.steps.some((s) => s.status === "waiting"));
    await client.send({ name: "contract/order.approved", data: { orderId: "other", by: "mallory" } });
    await client.send({ name: "contract/order.approved", data: { orderId: "o1", by: "grace" } });
    const run = await sim.waitForRun(finished("waiter"));
    expect(run.output).toEqual({ approvedBy: "grace" });
  });

  it("memoizes null when waitForEvent times out", async () => {
    waitTimeout = "2s";
    await client.send({ name: "contract/order.placed", data: { orderId: "o2" } });
    const run = await sim.waitForRun((r) => finished("waiter")(r) && r.event.data.orderId === "o2");
    expect(run.status).toBe("Completed");
    expect(run.output).toBeNull();
    expect(run.steps[0]).toMatchObject({ op: "WaitForEvent", output: null });
  });

  it("step.sendEvent goes through the events API and triggers the other function", async () => {
    await client.send({ name: "contract/parent", data: { tag: "t-1" } });
    const run = await sim.waitForRun(finished("child"));
    expect(run.output).toBe("child got t-1");
    const parentRun = await sim.waitForRun(finished("parent"));
    expect(parentRun.steps[0]).toMatchObject({ type: "step.sendEvent", status: "completed" });
  });

  it("never runs more steps at once per concurrency key than the limit; other keys proceed", async () => {
    await client.send(["A", "A", "A", "B", "B", "B"].map((orderId) => ({ name: "contract/serial", data: { orderId } })));
    await sim.waitForIdle();
    const runs = sim.runs().filter(byFn("serial"));
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill("Completed"));
    expect(inFlight.maxByKey).toEqual({ A: 1, B: 1 });
    expect(inFlight.maxTotal).toBe(2);
  });

  it("cancelOn cancels a sleeping run only for the matching event", async () => {
    await client.send({ name: "contract/provision", data: { orderId: "c1" } });
    await sim.waitForRun((r) => byFn("cancellable")(r) && r.steps.some((s) => s.status === "sleeping"));
    await client.send({ name: "contract/order.cancelled", data: { orderId: "someone-else" } });
    expect(sim.runs().find(byFn("cancellable"))?.status).toBe("Running");
    await client.send({ name: "contract/order.cancelled", data: { orderId: "c1" } });
    const run = await sim.waitForRun(finished("cancellable"));
    expect(run.status).toBe("Cancelled");
    expect(bodies["provision-after-sleep"]).toBeUndefined();
  });

  it("fires a cron function through POST /_sim/cron/:fnId", async () => {
    const res = await fetch(`${sim.url}/_sim/cron/contract-nightly`, { method: "POST" });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const run = await sim.waitForRun((r) => r.id === id && r.status !== "Running" && r.status !== "Queued");
    expect(run).toMatchObject({ status: "Completed", trigger: "cron", output: { cron: "TZ=Europe/Paris 0 3 * * *" } });
    expect(run.event.name).toBe("inngest/scheduled.timer");
  });

  it("step.invoke runs the other function and memoizes its return value", async () => {
    await client.send({ name: "contract/call", data: {} });
    const run = await sim.waitForRun(finished("caller"));
    expect(run.output).toBe(5);
    expect(sim.runs().find(byFn("adder"))).toMatchObject({ trigger: "invoke", parentRunId: run.id });
  });

  it("starts one run per idempotency key within 24 h, even for events with different ids", async () => {
    await client.send([
      { name: "contract/once", data: { orderId: "i-1" } },
      { name: "contract/once", data: { orderId: "i-1" } },
      { name: "contract/once", data: { orderId: "i-2" } },
    ]);
    await sim.waitForIdle();
    expect(
      sim
        .runs()
        .filter(byFn("once-per-order"))
        .map((r) => r.output)
        .sort(),
    ).toEqual(["i-1", "i-2"]);
    expect(
      sim
        .events()
        .filter((e) => e.name === "contract/once")
        .flatMap((e) => e.skipped.map((s) => s.functionId)),
    ).toEqual(["contract-once-per-order"]);
  });
});
