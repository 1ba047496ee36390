// bench/provision: with the Proxmox stand-in at zero task latency, how long from Stripe's webhook
// to a running VM, and what 50 orders paid at once do (distinct VMIDs, Proxmox concurrency never
// above PROVISION_CONCURRENCY by the stand-in's own counter). Prints numbers; asserts nothing.
//   npm run build && npx tsx bench/provision.ts        (BENCH_SEQUENTIAL=10, BENCH_BURST=50)
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { applyMigrations } from "../lib/db/schema-engine";
import { startAllSims } from "../sim/launch";
import { startBenchPostgres } from "./lib/postgres";
import { freePort, startAppServer } from "./lib/app-server";
import { percentile } from "./lib/load";
import { testEnv } from "../test/fixtures/env";

const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 10);
const burst = Number(process.env.BENCH_BURST ?? 50);
const latentBurst = Number(process.env.BENCH_LATENT_BURST ?? 30);
const limit = 10;

const db = await startBenchPostgres();
const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "labvps-bench-prov-"));
const appPort = await freePort();
const appOrigin = `http://127.0.0.1:${appPort}`;
const sims = await startAllSims({
  statusPort: 0,
  stripe: { port: 0, webhookUrl: `${appOrigin}/api/webhooks/stripe` },
  proxmox: { port: 0, sshPort: 0, stateDir, taskDurationMs: 0 },
  cloudflare: { port: 0 },
  mail: { port: 0 },
  inngest: { port: 0, appUrls: [`${appOrigin}/api/inngest`] },
});
const env = { ...testEnv, ...sims.env, DATABASE_URL: db.url, DATABASE_POOL_MAX: "10", PROVISION_CONCURRENCY: String(limit), APP_URL: appOrigin };
Object.assign(process.env, env);
const proxmoxAgent = new Agent({ connect: { ca: await fs.readFile(env.PROXMOX_CA_CERT_FILE, "utf8") } });
const proxmoxSim = (route: string, method = "GET", body?: unknown) =>
  undiciFetch(`${sims.env.PROXMOX_API_URL}/_sim/${route}`, {
    method, dispatcher: proxmoxAgent, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json() as Promise<Record<string, unknown>>);
// The stand-in answers with no artificial latency at all.
await proxmoxSim("settings", "POST", { taskDurationMs: 0, shortTaskDurationMs: 0, latencyMs: 0 });

await applyMigrations(db.url);
const { prepareDatabase } = await import("../lib/db/prepare-database");
await prepareDatabase(db.url);
const { db: prisma } = await import("../lib/db");
const { registerUser, signUpSchema } = await import("../lib/auth/register-user");
const { createOrder, checkoutSchema } = await import("../lib/orders/create-order");
const { makeEd25519PublicKey } = await import("../test/fixtures/ssh-keys");
// Room for the burst: the seeded node is sized for a real host, not for 60 lab VMs at once.
await prisma.proxmoxNode.updateMany({ data: { cpuCapacity: 4096, ramCapacityGb: 16384, diskCapacityGb: 100000 } });

const app = await startAppServer({ ...env, PORT: String(appPort) }, appPort);
const user = await registerUser(signUpSchema.parse({ name: "Bench", email: `bench.${Date.now()}@example.com`, password: "bench pass phrase 1" }));
const key = makeEd25519PublicKey("bench@lab");

async function newOrder(i: number) {
  const input = checkoutSchema.parse({ plan: "clab-starter", interval: "month", hostname: `bench-${i}`, newKey: key });
  const { orderId } = await createOrder({ id: user.id, email: user.email, name: user.name }, input);
  const order = await prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  return { orderId, sessionId: order.stripeCheckoutSessionId! };
}
const pay = (sessionId: string) =>
  fetch(`${sims.env.STRIPE_API_URL}/_sim/checkout/${sessionId}/pay`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ card: "4242424242424242" }) }).then((r) => r.json());

async function waitRunning(orderIds: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = await prisma.vm.count({ where: { orderId: { in: orderIds }, status: "running" } });
    if (running === orderIds.length || Date.now() > deadline) return running;
    await new Promise((r) => setTimeout(r, 25));
  }
}

try {
  console.log(`bench/provision on ${os.cpus().length} cores; Proxmox stand-in at zero latency; PROVISION_CONCURRENCY=${limit}`);
  // 1. One order at a time: Stripe's webhook → VM running.
  const latencies: number[] = [];
  for (let i = 0; i < sequential; i++) {
    const { orderId, sessionId } = await newOrder(i);
    const t0 = performance.now();
    await pay(sessionId); // the stand-in sends checkout.session.completed right away
    await waitRunning([orderId], 60_000);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  console.log(`webhook → running, ${sequential} orders one at a time: median ${Math.round(percentile(latencies, 50))} ms, p90 ${Math.round(percentile(latencies, 90))} ms, max ${Math.round(latencies.at(-1)!)} ms`);

  // 2. A burst: many orders paid at once.
  const orders = [];
  for (let i = 0; i < burst; i++) orders.push(await newOrder(1000 + i));
  await proxmoxSim("inflight/reset", "POST");
  const t0 = performance.now();
  await Promise.all(orders.map((o) => pay(o.sessionId)));
  const running = await waitRunning(orders.map((o) => o.orderId), 300_000);
  const seconds = (performance.now() - t0) / 1000;
  const vms = await prisma.vm.findMany({ where: { orderId: { in: orders.map((o) => o.orderId) } }, select: { vmid: true, status: true } });
  const vmids = vms.map((v) => v.vmid).filter((v): v is number => v !== null);
  const inflight = await proxmoxSim("inflight");
  const failed = await prisma.order.count({ where: { id: { in: orders.map((o) => o.orderId) }, status: "failed" } });
  console.log(`${burst} orders paid at once: ${running}/${burst} running in ${seconds.toFixed(1)} s, ${failed} failed, ${new Set(vmids).size} distinct VMIDs of ${vmids.length}, Proxmox in-flight max ${inflight.max} (limit ${limit})`);

  // 3. The same with a slow Proxmox (100 ms per request, 300 ms tasks), where the limit has to bite.
  await proxmoxSim("settings", "POST", { taskDurationMs: 300, shortTaskDurationMs: 300, latencyMs: 100 });
  const slow = [];
  for (let i = 0; i < latentBurst; i++) slow.push(await newOrder(2000 + i));
  await proxmoxSim("inflight/reset", "POST");
  const t1 = performance.now();
  await Promise.all(slow.map((o) => pay(o.sessionId)));
  const slowRunning = await waitRunning(slow.map((o) => o.orderId), 600_000);
  const slowInflight = await proxmoxSim("inflight");
  const allVmids = await prisma.vm.findMany({ where: { vmid: { not: null } }, select: { vmid: true } });
  console.log(`${latentBurst} orders paid at once, slow Proxmox: ${slowRunning}/${latentBurst} running in ${((performance.now() - t1) / 1000).toFixed(1)} s, Proxmox in-flight max ${slowInflight.max} (limit ${limit}); VMIDs overall ${new Set(allVmids.map((v) => v.vmid)).size} distinct of ${allVmids.length}`);
} finally {
  await app.close();
  await prisma.$disconnect();
  await proxmoxAgent.close();
  await sims.close();
  await db.close();
  await fs.rm(stateDir, { recursive: true, force: true });
}
