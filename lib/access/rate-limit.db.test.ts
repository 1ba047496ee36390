// Issue 23 "Prove it": realistic 429s. The Cloudflare stand-in blocks every call for its whole
// window once its quota is used (Cloudflare: 1,200 per 5 minutes, then 5 minutes of 429 with
// Retry-After). No step sleeps that window inside one call: the client hands the 429 back at once
// and the wait goes to Inngest's retry (provisioning) or the cleanup's own pause; both finish, and
// nothing is left behind.
import Cloudflare from "cloudflare";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { toStepError } from "@/lib/jobs/step-errors";
import { MAX_INLINE_WAIT_MS } from "@/lib/access/cloudflare";
import { findAccessApps } from "@/lib/access/access-api";
import { compensateProvisioning, inlineRunner } from "@/lib/provisioning/compensate";
import { cloudflareSim, createPaidOrder, leftoversFor, NOTHING_LEFT, retireProvisioningFixtures } from "@/test/fixtures/provisioning";
import { type InngestSimHandle, type RunView, startApp, startSim, type TestApp } from "@lab-vps/sim/testkit";
import { TEST_SUITE_CLOUDFLARE_RATE_LIMIT } from "@/test/fixtures/suite-limits";

let sim: InngestSimHandle;
let app: TestApp;
let send: (orderId: string) => Promise<unknown>;
const sharedInngestDev = process.env.INNGEST_DEV;

beforeAll(async () => {
  // Real time: a Retry-After of 3 s must really be waited for by the executor.
  sim = await startSim({ timeScale: 1 });
  process.env.INNGEST_DEV = sim.url;
  vi.resetModules();
  const { inngest } = await import("@/lib/jobs/client");
  const { orderPaid } = await import("@/lib/jobs/events");
  const { provisionVmFunction } = await import("@/inngest/functions/provision-vm");
  send = (orderId) => inngest.send(orderPaid.once({ orderId, attempt: 1 }));
  app = await startApp(inngest, [provisionVmFunction]);
  const [synced] = await sim.sync(app.url);
  expect(synced?.ok).toBe(true);
});
// Back to the suite's setting (test/global-database.ts) with the counters cleared.
afterEach(() => cloudflareSim.rateLimit(TEST_SUITE_CLOUDFLARE_RATE_LIMIT).then(() => cloudflareSim.rateLimit(null)));
afterAll(async () => {
  process.env.INNGEST_DEV = sharedInngestDev;
  await app?.close();
  await sim?.close();
  await retireProvisioningFixtures();
});

const forOrder = (orderId: string) => (run: RunView) => (run.event?.data as { orderId?: string } | undefined)?.orderId === orderId;
const refusals = async () => (await cloudflareSim.state()).rate_limit.refusals;

describe("Cloudflare's rate limit", () => {
  it("no call sleeps the 5-minute window: the 429 comes back at once, and the step asks Inngest to retry after it", async () => {
    await cloudflareSim.rateLimit({ limit: 3, windowMs: 300_000 });
    // Every db test file shares this stand-in and its token, so their calls count against the same
    // quota: spend it until the first 429 rather than assuming these three calls are the only ones.
    for (let i = 0; i < 20; i++) {
      const refused = await findAccessApps("warm-up").then(
        () => false,
        (e: unknown) => e instanceof Cloudflare.RateLimitError,
      );
      if (refused) break;
    }
    const started = Date.now();
    const error = await findAccessApps("blocked").catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(Cloudflare.RateLimitError);
    expect(elapsed).toBeLessThan(MAX_INLINE_WAIT_MS);
    const stepError = toStepError("protect hostnames with access", error) as Error & { retryAfter?: string };
    expect(stepError.name).toBe("RetryAfterError");
    expect(Number(stepError.retryAfter)).toBeGreaterThanOrEqual(299);
    console.info(`a call during a 300 s block returned in ${elapsed} ms`);
  });

  it("I8: provisioning through a blocked window waits (Inngest retries after Retry-After) and finishes", async () => {
    const { order } = await createPaidOrder({ labType: "eve" });
    // A window longer than the client absorbs inline (MAX_INLINE_WAIT_MS): only Inngest can wait it out.
    await cloudflareSim.rateLimit({ limit: 10, windowMs: 6_000 });
    const before = await refusals();
    const started = Date.now();
    await send(order.id);
    const run = await sim.waitForRun((r) => forOrder(order.id)(r) && !["Queued", "Running"].includes(r.status), 120_000);
    expect(run.status).toBe("Completed");
    expect(await refusals()).toBeGreaterThan(before);
    // A Cloudflare step was refused by the rate limit and tried again after the window, and finished.
    const retried = run.steps.filter((s) => s.attempts > 1);
    expect(retried.map((s) => [s.name, s.status])).toEqual(expect.arrayContaining([[expect.stringMatching(/access|tunnel|cloud-init/), "completed"]]));
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_000);
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(vm).toMatchObject({ status: "running", accessAppId: expect.any(String) });
    console.info(`provisioned through ${(await refusals()) - before} refused calls in ${Date.now() - started} ms`);
  }, 150_000);

  it("I8: cleanup through a blocked window pauses for Retry-After and leaves nothing behind", async () => {
    const { order } = await createPaidOrder({ labType: "eve" });
    await send(order.id);
    const run = await sim.waitForRun((r) => forOrder(order.id)(r) && !["Queued", "Running"].includes(r.status), 60_000);
    expect(run.status).toBe("Completed");
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    await db.order.update({ where: { id: order.id }, data: { status: "provisioning" } });
    await db.vm.update({ where: { id: vm.id }, data: { status: "provisioning" } });

    await cloudflareSim.rateLimit({ limit: 8, windowMs: 6_000 });
    const pauses: Array<{ name: string; ms: number }> = [];
    const inline = inlineRunner();
    const report = await compensateProvisioning(
      { orderId: order.id, attempt: 1, error: "test: after boot" },
      { run: inline.run, sleep: (name, ms) => (pauses.push({ name, ms }), inline.sleep(name, ms)) },
    );
    expect(report.cleanup.filter((c) => !c.ok)).toEqual([]);
    // A refused action waited the window Cloudflare named, not the 5 s first backoff only.
    expect(pauses.some((p) => p.ms >= 5_500)).toBe(true);
    expect(await leftoversFor(vm.vmid!, vm.id)).toEqual(NOTHING_LEFT);
  }, 150_000);
});
