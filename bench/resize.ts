// bench/resize: with the Proxmox stand-in at zero task latency (a guest that shuts down at once),
// how long from the confirmed payment (the request answering `paid`) to the resources applied
// (request `applied`, VM row updated), one at a time; and 20 resizes paid at once, which must keep
// Proxmox work within PROVISION_CONCURRENCY by the stand-in's own in-flight counter. The apply
// function is served in-process by the SDK's own `serve()` against the Inngest stand-in (no
// `next build` needed). Every resize is accounted for: one that did not end `applied` in time is
// listed, never counted as a latency, and the run exits 1.
//   npm run bench:resize        (BENCH_SEQUENTIAL=10, BENCH_BURST=20)
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { applyMigrations } from "../lib/db/schema-engine";
import { startAllSims } from "@lab-vps/sim";
import { startApp, type InngestSimHandle } from "@lab-vps/sim/testkit";
import { startBenchPostgres } from "./lib/postgres";
import { percentile } from "./lib/load";
import { BenchOutcome } from "./lib/outcome";
import { testEnv } from "../test/fixtures/env";

const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 10);
const burst = Number(process.env.BENCH_BURST ?? 20);
const limit = Number(process.env.BENCH_LIMIT ?? 10);
const outcome = new BenchOutcome("bench/resize");

const pg = await startBenchPostgres();
const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "labvps-bench-resize-"));
const sims = await startAllSims({
  statusPort: 0,
  stripe: { port: 0, webhookUrl: "" },
  proxmox: { port: 0, sshPort: 0, stateDir, taskDurationMs: 0 },
  cloudflare: { port: 0 },
  mail: { port: 0 },
  inngest: { port: 0, appUrls: [] },
});
const env = {
  ...testEnv,
  ...sims.env,
  DATABASE_URL: pg.url,
  DATABASE_POOL_MAX: "10",
  PROVISION_CONCURRENCY: String(limit),
  RESIZE_SHUTDOWN_TIMEOUT_SECONDS: "5",
};
Object.assign(process.env, env);
const agent = new Agent({ connect: { ca: await fs.readFile(env.PROXMOX_CA_CERT_FILE, "utf8") } });
const proxmoxSim = (route: string, method = "GET", body?: unknown) =>
  undiciFetch(`${sims.env.PROXMOX_API_URL}/_sim/${route}`, {
    method,
    dispatcher: agent,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json() as Promise<Record<string, unknown>>);
await proxmoxSim("settings", "POST", { taskDurationMs: 0, shortTaskDurationMs: 0, latencyMs: 0 });

await applyMigrations(pg.url);
const { prepareDatabase } = await import("../lib/db/prepare-database");
await prepareDatabase(pg.url);
const { db } = await import("../lib/db");
const { seedCatalog } = await import("../lib/catalog/seed-catalog");
const { cloneVm, vmPower } = await import("../lib/proxmox/api");
const { waitForTaskOk } = await import("../lib/proxmox/tasks");
const { stripe } = await import("../lib/billing/stripe");
const { inngest } = await import("../lib/jobs/client");
const { resizeVmFunction } = await import("../inngest/functions/resize-vm");
const { quoteResize } = await import("../lib/resize/quote-resize");
const { requestResize } = await import("../lib/resize/request-resize");
const { createCheckoutFixture, payCheckout } = await import("../test/fixtures/checkout");

await seedCatalog(db);
await db.proxmoxNode.updateMany({ data: { enabled: true, cpuCapacity: 4096, ramCapacityGb: 16384, diskCapacityGb: 100000 } });
const app = await startApp(inngest, [resizeVmFunction]);
const executor = sims.sims.find((s) => s.name === "inngest")!.handle as unknown as InngestSimHandle;
const [sync] = await executor.sync(app.url);
if (!sync?.ok) throw new Error("the Inngest stand-in could not sync the in-process app");

let nextVmid = 5000;
/** A paying customer with a running VM (2 vCPU, 4 GB, 40 GB) in the stand-ins. */
async function paidVm() {
  const fixture = await createCheckoutFixture({ amountMinor: 2900 });
  await payCheckout(sims.env.STRIPE_API_URL, fixture.sessionId);
  const session = await stripe().checkout.sessions.retrieve(fixture.sessionId);
  const order = await db.order.update({ where: { id: fixture.orderId }, data: { stripeSubscriptionId: String(session.subscription), status: "provisioned" } });
  await db.plan.update({ where: { id: order.planId }, data: { maxVcpus: 4, maxRamGb: 8, maxDiskGb: 100 } });
  const vmid = nextVmid++;
  await waitForTaskOk(await cloneVm("pve1", 9000, { newid: vmid, name: `bench-${vmid}` }), "clone", 30_000);
  await waitForTaskOk(await vmPower("pve1", vmid, "start"), "start", 30_000);
  const vm = await db.vm.create({
    data: {
      userId: fixture.userId,
      orderId: order.id,
      planId: order.planId,
      name: order.hostname,
      vmid,
      nodeName: "pve1",
      status: "running",
      labType: "containerlab",
      vcpus: 2,
      ramGb: 4,
      diskGb: 40,
    },
  });
  const quote = await quoteResize({ userId: fixture.userId, vmId: vm.id, totals: { vcpus: 4, ramGb: 8, diskGb: 60 } });
  return { userId: fixture.userId, vmId: vm.id, resizeRequestId: quote!.resizeRequestId };
}

/** Resolves with ms from `since` to `applied`, or the final status after the deadline. */
async function waitApplied(resizeRequestId: string, since: number, timeoutMs = 60_000): Promise<number | string> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const row = await db.resizeRequest.findUniqueOrThrow({ where: { id: resizeRequestId }, select: { status: true, appliedAt: true } });
    if (row.status === "applied") return performance.now() - since;
    if (row.status === "failed" || Date.now() > deadline) return row.status;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ms = (v: number) => `${Math.round(v)} ms`;
try {
  // 1. One at a time: payment confirmed → applied.
  const latencies: number[] = [];
  for (let i = 0; i < sequential; i++) {
    const vm = await paidVm();
    const state = await requestResize({ userId: vm.userId, resizeRequestId: vm.resizeRequestId });
    const t0 = performance.now();
    outcome.expect(state?.status === "paid", `sequential ${i}: payment answered ${state?.status}`);
    const result = await waitApplied(vm.resizeRequestId, t0);
    if (typeof result === "number") latencies.push(result);
    else outcome.fail(`sequential ${i}: resize ended ${result}`);
  }
  latencies.sort((a, b) => a - b);
  if (latencies.length) {
    const median = percentile(latencies, 50);
    console.log(
      `payment confirmed → applied (${latencies.length}/${sequential}): median ${ms(median)}, p90 ${ms(percentile(latencies, 90))}, max ${ms(latencies.at(-1)!)}`,
    );
    outcome.expect(median <= 2000, `median ${ms(median)} above 2 s`);
  }

  // 2. A burst: every resize paid at once.
  const vms = [];
  for (let i = 0; i < burst; i++) vms.push(await paidVm());
  await proxmoxSim("inflight/reset", "POST");
  const t0 = performance.now();
  const states = await Promise.all(vms.map((vm) => requestResize({ userId: vm.userId, resizeRequestId: vm.resizeRequestId })));
  const results = await Promise.all(vms.map((vm) => waitApplied(vm.resizeRequestId, t0, 120_000)));
  const seconds = (performance.now() - t0) / 1000;
  const applied = results.filter((r) => typeof r === "number").length;
  const inflight = await proxmoxSim("inflight");
  console.log(`${burst} resizes paid at once: ${applied}/${burst} applied in ${seconds.toFixed(1)} s, Proxmox in-flight max ${inflight.max} (limit ${limit})`);
  states.forEach((s, i) => outcome.expect(s?.status === "paid", `burst ${i}: payment answered ${s?.status}`));
  results.forEach((r, i) => outcome.expect(typeof r === "number", `burst ${i}: resize ended ${r}`));
  outcome.expect(Number(inflight.max) <= limit, `burst: Proxmox in-flight max ${inflight.max} above PROVISION_CONCURRENCY=${limit}`);
  // Each run ends with its one email: wait for them, so nothing is cut off when the bench closes.
  const total = applied + latencies.length;
  const emailDeadline = Date.now() + 30_000;
  let sent = 0;
  while ((sent = await db.emailOutbox.count({ where: { key: { startsWith: "vm-resized:" }, status: "sent" } })) < total && Date.now() < emailDeadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  outcome.expect(sent === total, `${sent} resize emails sent for ${total} resizes`);
  const shutdowns = await db.auditEvent.count({ where: { action: "vm.resize_applied" } });
  outcome.expect(shutdowns === applied + latencies.length, `applied audit events ${shutdowns}, expected ${applied + latencies.length}`);
} finally {
  outcome.finish();
  await app.close();
  await sims.close();
  await db.$disconnect();
  await pg.close();
  await agent.close();
}
