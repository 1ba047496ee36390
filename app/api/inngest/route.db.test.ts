// Production mode: /api/inngest as the app serves it (inngest/next), in Inngest's cloud mode with a
// signing key, driven by the Inngest stand-in in production mode (it signs every request the way
// Inngest Cloud and `inngest start` do). The SDK must refuse what Inngest did not sign, or signed
// more than 5 minutes away from its clock, and run what it did.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeServer, listen, readBody } from "@/sim/shared/http";
import { startSim } from "@/sim/inngest/testkit";
import type { InngestSimHandle } from "@/sim/inngest/index";
import { signatureFor } from "@/sim/inngest/signing";

const signingKey = "signkey-prod-5ec12e7a5ec12e7a5ec12e7a5ec12e7a5ec12e7a5ec12e7a5ec12e7a5ec12e7a";
const saved = { ...process.env };
let sim: InngestSimHandle;
let server: Server;
let url: string;

beforeAll(async () => {
  sim = await startSim({ signingKey, eventKey: "evt-prod-key", timeScale: 0.001 });
  // What production sets: no INNGEST_DEV (cloud mode), both keys, and Inngest's address.
  delete process.env.INNGEST_DEV;
  Object.assign(process.env, sim.env);
  vi.resetModules();
  const route = await import("@/app/api/inngest/route");
  // The App Router calls these with a NextRequest; the SDK reads only what a Request has.
  const handlers = { GET: route.GET, POST: route.POST, PUT: route.PUT } as unknown as Record<string, (req: Request, ctx: unknown) => Promise<Response>>;
  server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
      const request = new Request(`${url.replace(/\/api\/inngest$/, "")}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(body),
      });
      const response = await handlers[req.method ?? "GET"]!(request, { params: Promise.resolve({}) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  url = `http://127.0.0.1:${await listen(server, 0)}/api/inngest`;
  process.env.INNGEST_SERVE_ORIGIN = url.replace(/\/api\/inngest$/, "");
  const [synced] = await sim.sync(url);
  expect(synced).toMatchObject({ ok: true });
});

afterAll(async () => {
  await closeServer(server);
  await sim?.close();
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  vi.resetModules();
});

describe("/api/inngest in production mode (signed requests)", () => {
  it("I1: runs what Inngest signed: the sweep's cron run completes through signed requests and authorized checkpoints", async () => {
    const run = sim.fireCron("lab-vps-sweep-stuck-work");
    const done = await sim.waitForRun((r) => r.id === run.id && r.status !== "Queued" && r.status !== "Running", 30_000);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe("Completed");
    expect(sim.checkpoints()).toBeGreaterThan(0);
  });

  it("I1: refuses an unsigned request, a forged signature, and one signed 6 minutes early or late", async () => {
    const fn = sim.functions().find((f) => f.id === "lab-vps-sweep-stuck-work")!;
    const body = {
      event: { name: "inngest/scheduled.timer", data: { cron: "*/5 * * * *" }, id: "01FORGED0000000000000000000", ts: Date.now() },
      events: [],
      steps: {},
      ctx: {
        run_id: "01FORGEDRUN000000000000000",
        attempt: 0,
        max_attempts: 3,
        disable_immediate_execution: false,
        use_api: false,
        stack: { stack: [], current: 0 },
      },
      version: 2,
    };
    const post = (signature?: string) =>
      fetch(fn.url, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...(signature ? { "x-inngest-signature": signature } : {}) },
      });
    const statuses = [
      (await post()).status,
      (await post(signatureFor(body, "signkey-prod-0000000000000000000000000000000000000000000000000000000000000000"))).status,
      (await post(signatureFor(body, signingKey, Date.now() - 6 * 60_000))).status,
      (await post(signatureFor(body, signingKey, Date.now() + 6 * 60_000))).status,
    ];
    expect(statuses).toEqual([401, 401, 401, 401]);
    // Within the 5 minutes the same body is accepted (the SDK answers it; no run is recorded here).
    expect((await post(signatureFor(body, signingKey, Date.now() - 4 * 60_000))).status).not.toBe(401);
  });
});
