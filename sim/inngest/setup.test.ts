// How the app finds the stand-in (INNGEST_DEV only), auto-sync, the events API and /_sim.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inngest } from "inngest";
import { freePort, quietLogger, startApp, startSim, type TestApp } from "./testkit";
import type { InngestSimHandle } from "./index";

let sim: InngestSimHandle;
let app: TestApp;
let client: Inngest;
let tries = 0;

beforeAll(async () => {
  // The app is not listening yet: the executor must keep trying, like `inngest-cli dev -u`.
  const appPort = await freePort();
  sim = await startSim({ appUrls: [`http://127.0.0.1:${appPort}/api/inngest`] });
  // Exactly what the app sets: no isDev, no baseUrl in code.
  process.env.INNGEST_DEV = sim.url;
  client = new Inngest({ id: "envapp", logger: quietLogger });
  const echo = client.createFunction({ id: "echo", triggers: [{ event: "setup/echo" }] }, async ({ event, step }) => {
    return step.run("echo", () => event.data);
  });
  const stubborn = client.createFunction(
    { id: "stubborn", retries: 1, triggers: [{ event: "setup/stubborn" }], onFailure: async ({ error }) => `saw ${error.message}` },
    async ({ step }) => {
      const caught = await step
        .run("always fails", (): string => {
          tries++;
          throw new Error("proxmox busy");
        })
        .catch((err: Error) => `caught: ${err.message}`);
      if (caught.startsWith("caught")) throw new Error(`gave up after ${tries} tries`);
    },
  );
  await new Promise((r) => setTimeout(r, 120));
  app = await startApp(client, [echo, stubborn], appPort);
});

afterAll(async () => {
  delete process.env.INNGEST_DEV;
  await sim?.close();
  await app?.close();
});

const waitForSync = async () => {
  for (let i = 0; i < 100 && !sim.functions().length; i++) await new Promise((r) => setTimeout(r, 20));
};

describe("inngest stand-in setup", () => {
  it("keeps syncing until the app answers; INNGEST_DEV alone points the SDK at it", async () => {
    await waitForSync();
    expect(
      sim
        .functions()
        .map((f) => f.id)
        .sort(),
    ).toEqual(["envapp-echo", "envapp-stubborn", "envapp-stubborn-failure"]);
    const apps = (await (await fetch(`${sim.url}/_sim/apps`)).json()) as { sync: Array<{ ok: boolean; attempts: number }> };
    expect(apps.sync[0].ok).toBe(true);
    expect(apps.sync[0].attempts).toBeGreaterThan(1);
    expect(client.mode).toBe("dev");
  });

  it("answers POST /e/:key like the events API, for one event or many", async () => {
    const one = await fetch(`${sim.url}/e/any-dev-key`, { method: "POST", body: JSON.stringify({ name: "setup/echo", data: { n: 1 } }) });
    expect(one.status).toBe(200);
    const oneBody = (await one.json()) as { ids: string[]; status: number };
    expect(oneBody.status).toBe(200);
    expect(oneBody.ids).toHaveLength(1);
    const many = await fetch(`${sim.url}/e/any-dev-key`, {
      method: "POST",
      body: JSON.stringify([
        { name: "setup/echo", data: { n: 2 } },
        { name: "setup/echo", data: { n: 3 } },
      ]),
    });
    expect(((await many.json()) as { ids: string[] }).ids).toHaveLength(2);
    const bad = await fetch(`${sim.url}/e/k`, { method: "POST", body: JSON.stringify({ data: {} }) });
    expect(bad.status).toBe(400);
    await sim.waitForIdle();
    const outputs = sim
      .runs()
      .filter((r) => r.functionId === "envapp-echo")
      .map((r) => r.output);
    expect(outputs).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("memoizes a step's error once its retries run out; the function's own failure reaches onFailure", async () => {
    await client.send({ name: "setup/stubborn", data: {} });
    const failed = await sim.waitForRun((r) => r.functionId === "envapp-stubborn" && r.status === "Failed");
    expect(tries).toBe(2);
    expect(failed.steps[0]).toMatchObject({ status: "failed", attempts: 2, error: { message: "proxmox busy" } });
    expect(failed.error).toMatchObject({ message: "gave up after 2 tries" });
    const failure = await sim.waitForRun((r) => r.functionId === "envapp-stubborn-failure" && r.status === "Completed");
    expect(failure.output).toBe("saw gave up after 2 tries");
  });

  it("serves runs, events and a page under /_sim, and resets", async () => {
    const runs = (await (await fetch(`${sim.url}/_sim/runs?functionId=envapp-echo`)).json()) as Array<{ id: string; status: string; steps: unknown[] }>;
    expect(runs.length).toBe(3);
    const one = (await (await fetch(`${sim.url}/_sim/runs/${runs[0].id}`)).json()) as { steps: Array<{ name: string; output: unknown }> };
    expect(one.steps[0]).toMatchObject({ name: "echo", output: { n: 1 } });
    const events = (await (await fetch(`${sim.url}/_sim/events`)).json()) as Array<{ name: string }>;
    expect(events.map((e) => e.name)).toContain("inngest/function.failed");
    const page = await (await fetch(`${sim.url}/`)).text();
    expect(page).toContain("envapp-echo");
    expect(page).toContain("proxmox busy");
    expect((await fetch(`${sim.url}/_sim/cron/envapp-echo`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${sim.url}/_sim/reset`, { method: "POST" })).status).toBe(200);
    expect(sim.runs()).toEqual([]);
    expect(sim.functions()).toHaveLength(3);
  });
});
