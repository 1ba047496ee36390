// `npm run doctor`'s Inngest check against the stand-in's `GET /dev` (the dev server's info route).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inngest } from "inngest";
import { quietLogger, startApp, startSim, type TestApp } from "@/sim/inngest/testkit";
import type { InngestSimHandle } from "@/sim/inngest/index";
import { inngestEndpoint, inngestSyncCheck } from "./inngest-checks";

let sim: InngestSimHandle;
let app: TestApp;

beforeAll(async () => {
  sim = await startSim();
  const client = new Inngest({ id: "doc", isDev: true, baseUrl: sim.url, logger: quietLogger });
  app = await startApp(client, [client.createFunction({ id: "one", triggers: [{ event: "doc/one" }] }, async () => 1)]);
  await sim.sync(app.url);
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe("npm run doctor: Inngest sync status", () => {
  it("passes when every served function is registered at the configured endpoint", async () => {
    expect(await inngestSyncCheck(["doc-one"], sim.url)).toMatchObject({ service: "inngest", ok: true, detail: `all 1 functions registered at ${sim.url}` });
  });

  it("fails naming the functions Inngest does not have (a refused or stale sync)", async () => {
    const result = await inngestSyncCheck(["doc-one", "doc-two"], sim.url);
    expect(result).toMatchObject({ ok: false });
    expect(result?.detail).toContain("1 of 2 functions not registered");
    expect(result?.detail).toContain("doc-two");
  });

  it("is skipped when no Inngest endpoint is configured (Inngest Cloud, no INNGEST_DEV URL)", async () => {
    expect(inngestEndpoint({ INNGEST_DEV: undefined, INNGEST_BASE_URL: undefined })).toBeNull();
    expect(inngestEndpoint({ INNGEST_DEV: "1", INNGEST_BASE_URL: "http://inngest:8288" })).toBe("http://inngest:8288");
    expect(await inngestSyncCheck(["doc-one"], null)).toBeNull();
  });
});
