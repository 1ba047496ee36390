// Contract: the product's real function list (inngest/index.ts), served by the real SDK, must sync
// with an executor that validates as Inngest's does (sim/inngest/validate.ts, from the Go
// executor's registration code). One invalid function makes `inngest dev` and `inngest start`
// refuse the whole sync, so nothing would run at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, startSim, type TestApp } from "@/sim/inngest/testkit";
import type { InngestSimHandle } from "@/sim/inngest/index";

let sim: InngestSimHandle;
let app: TestApp;
const savedDev = process.env.INNGEST_DEV;

beforeAll(async () => {
  sim = await startSim();
  process.env.INNGEST_DEV = sim.url;
  const [{ inngest }, { functions }] = await Promise.all([import("@/lib/jobs/client"), import("@/inngest/index")]);
  app = await startApp(inngest, functions);
});

afterAll(async () => {
  await app?.close();
  await sim?.close();
  process.env.INNGEST_DEV = savedDev;
});

describe("the product's functions against Inngest's registration rules", () => {
  it("sync: every function in inngest/index.ts is accepted, none refused (no function over 10 triggers, valid options and crons)", async () => {
    const [status] = await sim.sync(app.url);
    expect(status.errors ?? []).toEqual([]);
    expect(status.ok).toBe(true);
    const { functions } = await import("@/inngest/index");
    const registered = sim.functions().map((f) => f.id);
    for (const fn of functions) expect(registered).toContain(`lab-vps-${fn.id()}`);
    for (const fn of sim.functions()) expect(fn.eventTriggers.length + fn.crons.length).toBeLessThanOrEqual(10);
  });
});
