// The stand-in's page as a developer uses it (issue 22, Build 8): filters by function, status,
// event id and order id; one run's step timeline with input, output or error and timing; rerun of
// a failed run; cancel; "send a test event".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inngest, NonRetriableError } from "inngest";
import { quietLogger, startApp, startSim, type TestApp } from "./testkit";
import type { InngestSimHandle } from "./index";

let sim: InngestSimHandle;
let app: TestApp;
let failOnce = true;

beforeAll(async () => {
  sim = await startSim();
  const client = new Inngest({ id: "page", isDev: true, baseUrl: sim.url, logger: quietLogger });
  const build = client.createFunction({ id: "build", retries: 0, triggers: [{ event: "page/build" }] }, async ({ event, step }) => {
    const cloned = await step.run("clone template", () => ({ vmid: 1000 + Number(event.data.n) }));
    await step.run("start vm", () => {
      if (event.data.fail && failOnce) {
        failOnce = false;
        throw new NonRetriableError("VM start failed: injected");
      }
      return "started";
    });
    return cloned;
  });
  const slow = client.createFunction({ id: "slow", retries: 0, triggers: [{ event: "page/slow" }] }, async ({ step }) => {
    await step.sleep("wait a long time", "1h");
  });
  app = await startApp(client, [build, slow]);
  expect((await sim.sync(app.url))[0]?.ok).toBe(true);
});
afterAll(async () => {
  await sim?.close();
  await app?.close();
});

const page = async (query = "") => (await fetch(`${sim.url}/_sim/page${query}`)).text();
const post = (path: string, form: Record<string, string>) =>
  fetch(`${sim.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(form),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });

describe("the Inngest stand-in's page", () => {
  it("filters runs by function, status, event id and order id, and shows one run's steps with output, error and timing", async () => {
    await sim.send({ name: "page/build", id: "evt-ok", data: { n: 1, orderId: "order_alpha" } });
    await sim.send({ name: "page/build", id: "evt-bad", data: { n: 2, orderId: "order_beta", fail: true } });
    const failed = await sim.waitForRun((r) => r.event.id === "evt-bad" && r.status === "Failed");
    const ok = await sim.waitForRun((r) => r.event.id === "evt-ok" && r.status === "Completed");

    expect(await page("?order=order_alpha")).toContain("Runs (1 of");
    expect(await page("?status=Failed&fn=build")).toContain(failed.id);
    expect(await page("?status=Failed&fn=build")).not.toContain(`id="run-${ok.id}"`);
    expect(await page("?order=order_alpha")).toContain(`id="run-${ok.id}"`);
    expect(await page("?event=evt-bad")).toContain(failed.id);

    const detail = await page(`?run=${failed.id}`);
    expect(detail).toContain("clone template");
    expect(detail).toMatch(/vmid&#34;: 1002/);
    expect(detail).toContain("VM start failed: injected");
    expect(detail).toMatch(/\d+ ms/);
    expect(detail).toContain(">Rerun</button>");
  });

  it("reruns a failed run (same event, same function) and refuses to rerun one that did not fail", async () => {
    const failed = (await sim.runs()).find((r) => r.event.id === "evt-bad")!;
    const answer = await post("/_sim/ui/rerun", { run: failed.id });
    expect(answer.status).toBe(303);
    const rerun = await sim.waitForRun((r) => r.id !== failed.id && r.event.id.startsWith("evt-bad-rerun") && r.status === "Completed");
    expect(rerun.functionId).toBe(failed.functionId);
    expect(answer.headers.get("location")).toBe(`/_sim/page?run=${rerun.id}`);
    expect((await post("/_sim/ui/rerun", { run: rerun.id })).status).toBe(409);
  });

  it("cancels a running run, and sends a test event from the form", async () => {
    const sent = await post("/_sim/ui/send", { name: "page/slow", data: "{}" });
    expect(sent.status).toBe(303);
    const running = await sim.waitForRun((r) => r.functionId === "page-slow" && r.status === "Running");
    expect(await page(`?run=${running.id}`)).toContain(">Cancel</button>");
    expect((await post("/_sim/ui/cancel", { run: running.id })).status).toBe(303);
    await sim.waitForRun((r) => r.id === running.id && r.status === "Cancelled");
    expect((await post("/_sim/ui/send", { name: "page/slow", data: "not json" })).status).toBe(400);
  });
});
