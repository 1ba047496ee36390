// Async checkpointing (the path inngest@4 takes whenever the executor sends `ctx.fn_id`) and
// production mode (signed requests, the SDK's 5-minute clock-skew rule), through the real SDK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inngest } from "inngest";
import { quietLogger, startApp, startSim, type TestApp } from "./testkit";
import type { InngestSimHandle } from "./index";
import { signatureFor } from "./signing";

const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
});

describe("async checkpointing", () => {
  let sim: InngestSimHandle;
  let client: Inngest;
  const bodies: string[] = [];
  beforeAll(async () => {
    sim = await startSim();
    opened.push(sim);
    client = new Inngest({ id: "cp", isDev: true, baseUrl: sim.url, logger: quietLogger });
    const steps = client.createFunction({ id: "steps", triggers: [{ event: "cp/go" }] }, async ({ step }) => {
      const a = await step.run("one", () => (bodies.push("one"), 1));
      const b = await step.run("two", () => (bodies.push("two"), 2));
      await step.sleep("pause", "1s");
      const c = await step.run("three", () => (bodies.push("three"), 3));
      return a + b + c;
    });
    const app: TestApp = await startApp(client, [steps]);
    opened.push(app);
    await sim.sync(app.url);
  });

  it("runs several steps per request, each checkpointed once, and the run completes with every body run once", async () => {
    const before = sim.checkpoints();
    await client.send({ name: "cp/go", data: {} });
    const run = await sim.waitForRun((r) => r.functionId === "cp-steps" && r.status === "Completed");
    expect(run.output).toBe(6);
    expect(bodies).toEqual(["one", "two", "three"]);
    expect(sim.checkpoints() - before).toBe(3);
    // "one" and "two" ran in the first request; the sleep ended it; "three" and the end in the second.
    expect(run.attempts).toBe(2);
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ["one", "completed"],
      ["two", "completed"],
      ["pause", "completed"],
      ["three", "completed"],
    ]);
  });

  it("refuses a checkpoint from a request that is no longer in flight (409), and unknown runs (404)", async () => {
    const run = sim.runs().find((r) => r.functionId === "cp-steps")!;
    const fnId = sim.functions().find((f) => f.id === "cp-steps")!.internalId;
    const post = (runId: string, qi: string) =>
      fetch(`${sim.url}/v1/checkpoint/${runId}/async`, {
        method: "POST",
        body: JSON.stringify({ run_id: runId, fn_id: fnId, qi_id: qi, steps: [{ op: "StepRun", id: "f00", data: 1 }] }),
      });
    expect((await post(run.id, "01STALEQUEUEITEM0000000000")).status).toBe(409);
    expect((await post("01NOSUCHRUN000000000000000", "x")).status).toBe(404);
  });
});

describe("production mode: signed requests, keys required", () => {
  const signingKey = "signkey-prod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  let sim: InngestSimHandle;
  let app: TestApp;
  let client: Inngest;
  let ran = 0;
  beforeAll(async () => {
    sim = await startSim({ signingKey, eventKey: "evt-key-1" });
    opened.push(sim);
    // What production sets: cloud mode, keys, and the API origin (here the stand-in).
    client = new Inngest({ id: "prod", isDev: false, baseUrl: sim.url, signingKey, eventKey: "evt-key-1", logger: quietLogger });
    const fn = client.createFunction({ id: "work", triggers: [{ event: "prod/go" }] }, async ({ step }) => step.run("do", () => ++ran));
    app = await startApp(client, [fn]);
    opened.push(app);
    const [status] = await sim.sync(app.url);
    expect(status.ok).toBe(true);
  });

  it("runs signed requests (with checkpoints authorized by the hashed key)", async () => {
    await client.send({ name: "prod/go", data: {} });
    const run = await sim.waitForRun((r) => r.functionId === "prod-work" && r.status === "Completed");
    expect(run.output).toBe(1);
    expect(sim.checkpoints()).toBeGreaterThan(0);
  });

  it("the app refuses an unsigned request, a wrong signature, and one signed 6 minutes off", async () => {
    const fnUrl = sim.functions().find((f) => f.id === "prod-work")!.url;
    const body = { event: { name: "prod/go", data: {}, id: "e1", ts: Date.now() }, events: [], steps: {}, ctx: { run_id: "r1", attempt: 0 }, version: 2 };
    const post = (signature?: string) =>
      fetch(fnUrl, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...(signature ? { "x-inngest-signature": signature } : {}) },
      });
    expect((await post()).status).toBe(401);
    expect((await post(signatureFor(body, `${signingKey.slice(0, -1)}0`))).status).toBe(401);
    expect((await post(signatureFor(body, signingKey, Date.now() - 6 * 60_000))).status).toBe(401);
    expect((await post(signatureFor(body, signingKey, Date.now() + 6 * 60_000))).status).toBe(401);
    expect(ran).toBe(1);
  });

  it("refuses an unknown event key and a register call without the hashed signing key", async () => {
    const send = await fetch(`${sim.url}/e/wrong-key`, { method: "POST", body: JSON.stringify({ name: "prod/go", data: {} }) });
    expect(send.status).toBe(401);
    const register = await fetch(`${sim.url}/fn/register`, { method: "POST", body: JSON.stringify({ url: app.url, functions: [] }) });
    expect(register.status).toBe(401);
  });
});
