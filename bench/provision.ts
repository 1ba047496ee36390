// bench/provision: with the Proxmox stand-in at zero task latency, how long from Stripe's webhook
// to a running VM (reachable: its guest agent, cloud-init and tunnel reported in), where that time
// goes (a per-step profile), and what 50 orders paid at once do (distinct VMIDs, Proxmox
// concurrency never above PROVISION_CONCURRENCY by the stand-in's own counter). Then a realistic
// Proxmox (full clones at BENCH_CLONE_MBPS, linked clones near-instant, BENCH_BOOT_S to the guest
// agent, BENCH_CLOUD_INIT_S of cloud-init): paid → reachable for full and linked clones. Prints
// numbers, with every order accounted for: one that failed or did not reach `running` in time is
// listed, never counted as a latency, and the run exits 1 (as it does on duplicate VMIDs or a
// broken concurrency limit).
//   npm run build && npm run bench:provision        (BENCH_SEQUENTIAL=10, BENCH_BURST=50, BENCH_REALISTIC=6)
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { applyMigrations } from "../lib/db/schema-engine";
import { startAllSims } from "@lab-vps/sim";
import { startBenchPostgres } from "./lib/postgres";
import { freePort, startAppServer } from "./lib/app-server";
import { percentile } from "./lib/load";
import { BenchOutcome } from "./lib/outcome";
import { testEnv } from "../test/fixtures/env";
import { printInProcessProfile, printRunProfile, type OrderTimes, type RunLike } from "./lib/provision-profile";

const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 10);
const burst = Number(process.env.BENCH_BURST ?? 50);
const latentBurst = Number(process.env.BENCH_LATENT_BURST ?? 30);
const realistic = Number(process.env.BENCH_REALISTIC ?? 6);
const cloneMBps = Number(process.env.BENCH_CLONE_MBPS ?? 500);
const bootSeconds = Number(process.env.BENCH_BOOT_S ?? 20);
const cloudInitSeconds = Number(process.env.BENCH_CLOUD_INIT_S ?? 25);
const limit = 10;
const outcome = new BenchOutcome("bench/provision");

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
    method,
    dispatcher: proxmoxAgent,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json() as Promise<Record<string, unknown>>);
// The stand-in answers with no artificial latency at all: tasks, and the guests' boot and cloud-init.
await proxmoxSim("settings", "POST", { taskDurationMs: 0, shortTaskDurationMs: 0, latencyMs: 0, guestBootMs: 0, cloudInitMs: 0 });

await applyMigrations(db.url);
const { prepareDatabase } = await import("../lib/db/prepare-database");
await prepareDatabase(db.url);
const { db: prisma } = await import("../lib/db");
const { registerUser, signUpSchema } = await import("../lib/auth/register-user");
const { createOrder, checkoutSchema } = await import("../lib/orders/create-order");
const { makeEd25519PublicKey } = await import("../test/fixtures/ssh-keys");
// Room for the burst: the seeded node is sized for a real host, not for 60 lab VMs at once.
await prisma.proxmoxNode.updateMany({ data: { cpuCapacity: 4096, ramCapacityGb: 16384, diskCapacityGb: 100000 } });

// Ready = healthy and synced by the Inngest stand-in: an order paid before the sync is never built.
const app = await startAppServer({ ...env, PORT: String(appPort) }, appPort, { inngestSync: true });
const user = await registerUser(signUpSchema.parse({ name: "Bench", email: `bench.${Date.now()}@example.com`, password: "bench pass phrase 1" }));
const key = makeEd25519PublicKey("bench@lab");

async function newOrder(i: number) {
  const input = checkoutSchema.parse({ plan: "clab-starter", interval: "month", hostname: `bench-${i}`, newKey: key });
  const { orderId } = await createOrder({ id: user.id, email: user.email, name: user.name }, input);
  const order = await prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  return { orderId, sessionId: order.stripeCheckoutSessionId! };
}
const pay = (sessionId: string) =>
  fetch(`${sims.env.STRIPE_API_URL}/_sim/checkout/${sessionId}/pay`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ card: "4242424242424242" }),
  }).then((r) => r.json());

type OrderOutcome = { orderId: string; state: "running" | "failed" | "unfinished"; orderStatus: string; vmStatus: string | null };

/** Waits until every order is running or failed, or the deadline; says where each one ended. */
async function waitOrders(orderIds: string[], timeoutMs: number): Promise<OrderOutcome[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await prisma.order.findMany({ where: { id: { in: orderIds } }, select: { id: true, status: true, vm: { select: { status: true } } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const outcomes = orderIds.map((orderId): OrderOutcome => {
      const row = byId.get(orderId);
      const vmStatus = row?.vm?.status ?? null;
      const state = vmStatus === "running" ? "running" : row?.status === "failed" ? "failed" : "unfinished";
      return { orderId, state, orderStatus: row?.status ?? "missing", vmStatus };
    });
    if (outcomes.every((o) => o.state !== "unfinished") || Date.now() > deadline) return outcomes;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Counts by state, and records every order that did not reach `running` as a problem. */
function account(label: string, outcomes: OrderOutcome[], timeoutMs: number) {
  const count = (state: OrderOutcome["state"]) => outcomes.filter((o) => o.state === state).length;
  for (const o of outcomes.filter((o) => o.state !== "running")) {
    outcome.fail(
      `${label}: order ${o.orderId} ${o.state === "failed" ? "failed" : `did not reach running within ${timeoutMs / 1000} s`} (order ${o.orderStatus}, VM ${o.vmStatus ?? "none"})`,
    );
  }
  return { running: count("running"), failed: count("failed"), unfinished: count("unfinished") };
}

const ms = (n: number) => `${Math.round(n)} ms`;

/** The provision-vm run the Inngest stand-in ran for an order (its steps and timestamps). */
function provisionRunOf(orderId: string): RunLike | undefined {
  const runs = sims.handles.inngest!.runs() as unknown as RunLike[];
  return runs.find((r) => r.functionId.endsWith("provision-vm") && (r.event as { data?: { orderId?: string } } | undefined)?.data?.orderId === orderId);
}

/** One order paid in the database (no Stripe, no Inngest), its steps called here one by one. */
async function profileInProcess() {
  const { orderId } = await newOrder(900);
  await prisma.order.update({ where: { id: orderId }, data: { status: "paid", paidAt: new Date() } });
  const p = await import("../lib/provisioning/start-provisioning");
  const r = await import("../lib/provisioning/reserve-vmid");
  const n = await import("../lib/provisioning/choose-node");
  const c = await import("../lib/provisioning/clone-template");
  const cfg = await import("../lib/provisioning/configure-vm");
  const t = await import("../lib/provisioning/create-tunnel-and-dns");
  const access = await import("../lib/provisioning/protect-hostnames");
  const alloc = await import("../lib/network/allocate-network");
  const nic = await import("../lib/network/attach-nic");
  const net = await import("../lib/network/provision-steps");
  const w = await import("../lib/provisioning/write-cloud-init");
  const s = await import("../lib/provisioning/start-vm");
  const ready = await import("../lib/provisioning/readiness");
  const mail = await import("../lib/provisioning/send-ready-email");
  const outbox = await import("../lib/email/outbox");
  let upid: string | null = null;
  let emailKey = "";
  await printInProcessProfile([
    ["start provisioning", () => p.startProvisioning(orderId, 1)],
    ["reserve vmid", () => r.reserveVmid(orderId)],
    ["choose node", () => n.chooseNode(orderId)],
    ["clone template", async () => void (upid = (await c.cloneTemplate(orderId)).upid)],
    ["wait for clone", () => c.waitForClone(orderId, upid)],
    ["configure vm", () => cfg.configureVm(orderId)],
    ["grow disk", () => cfg.growDisk(orderId)],
    ["prepare network", () => alloc.prepareNetwork(orderId)],
    ["build network", () => net.buildNetwork(orderId)],
    ["attach network", () => nic.attachNetwork(orderId)],
    ["configure firewall", () => net.configureFirewall(orderId)],
    ["protect hostnames with access", () => access.protectHostnames(orderId)],
    ["create tunnel and dns", () => t.createTunnelAndDns(orderId)],
    ["write cloud-init", () => w.writeCloudInit(orderId)],
    ["start vm", () => s.startVm(orderId)],
    ["check firewall", () => net.checkFirewall(orderId)],
    ["wait for guest agent", () => ready.waitForGuestAgent(orderId)],
    ["wait for cloud-init", () => ready.waitForCloudInit(orderId)],
    ["check nested virtualization", () => ready.checkNestedVirt(orderId)],
    ["wait for tunnel", () => ready.waitForTunnel(orderId)],
    ["mark ready", () => s.markReady(orderId)],
    ["update peer firewalls", () => net.updatePeerFirewalls(orderId)],
    ["queue ready email", async () => void (emailKey = await mail.queueReadyEmail(orderId))],
    ["send ready email", () => outbox.tryDeliverEmail(emailKey)],
  ]);
}

try {
  console.log(`bench/provision on ${os.cpus().length} cores; Proxmox stand-in at zero latency; PROVISION_CONCURRENCY=${limit}`);
  // 1. One order at a time: Stripe's webhook → VM running. Only orders that ran have a latency.
  const latencies: number[] = [];
  const sequentialOutcomes: OrderOutcome[] = [];
  const profiled: OrderTimes[] = [];
  for (let i = 0; i < sequential; i++) {
    const { orderId, sessionId } = await newOrder(i);
    const t0 = performance.now();
    const wall = Date.now();
    await pay(sessionId); // the stand-in sends checkout.session.completed right away
    const [result] = await waitOrders([orderId], 60_000);
    sequentialOutcomes.push(result!);
    if (result!.state === "running") {
      latencies.push(performance.now() - t0);
      const run = provisionRunOf(orderId);
      const row = await prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { paidAt: true, vm: { select: { readyAt: true } } } });
      if (run && row.paidAt && row.vm?.readyAt) profiled.push({ t0: wall, paidAt: row.paidAt.getTime(), run, readyAt: row.vm.readyAt.getTime() });
    }
  }
  latencies.sort((a, b) => a - b);
  const seq = account("one at a time", sequentialOutcomes, 60_000);
  const spread = latencies.length
    ? `median ${ms(percentile(latencies, 50))}, p90 ${ms(percentile(latencies, 90))}, max ${ms(latencies.at(-1)!)}`
    : "no latency (none ran)";
  console.log(
    `webhook → running, ${sequential} orders one at a time: ${seq.running}/${sequential} running (${seq.failed} failed, ${seq.unfinished} unfinished); ${spread}`,
  );
  printRunProfile(profiled);
  await profileInProcess();

  // 2. A burst: many orders paid at once.
  const orders = [];
  for (let i = 0; i < burst; i++) orders.push(await newOrder(1000 + i));
  await proxmoxSim("inflight/reset", "POST");
  const t0 = performance.now();
  await Promise.all(orders.map((o) => pay(o.sessionId)));
  const burstOutcomes = await waitOrders(
    orders.map((o) => o.orderId),
    300_000,
  );
  const seconds = (performance.now() - t0) / 1000;
  const b = account("burst", burstOutcomes, 300_000);
  const vms = await prisma.vm.findMany({ where: { orderId: { in: orders.map((o) => o.orderId) } }, select: { vmid: true, status: true } });
  const vmids = vms.map((v) => v.vmid).filter((v): v is number => v !== null);
  const inflight = await proxmoxSim("inflight");
  console.log(
    `${burst} orders paid at once: ${b.running}/${burst} running in ${seconds.toFixed(1)} s (${b.failed} failed, ${b.unfinished} unfinished), ${new Set(vmids).size} distinct VMIDs of ${vmids.length}, Proxmox in-flight max ${inflight.max} (limit ${limit})`,
  );
  outcome.expect(new Set(vmids).size === vmids.length, `burst: ${vmids.length - new Set(vmids).size} VMID(s) given to two VMs`);
  outcome.expect(Number(inflight.max) <= limit, `burst: Proxmox in-flight max ${inflight.max} above PROVISION_CONCURRENCY=${limit}`);

  // 3. The same with a slow Proxmox (100 ms per request, 300 ms tasks), where the limit has to bite.
  await proxmoxSim("settings", "POST", { taskDurationMs: 300, shortTaskDurationMs: 300, latencyMs: 100 });
  const slow = [];
  for (let i = 0; i < latentBurst; i++) slow.push(await newOrder(2000 + i));
  await proxmoxSim("inflight/reset", "POST");
  const t1 = performance.now();
  await Promise.all(slow.map((o) => pay(o.sessionId)));
  const slowOutcomes = await waitOrders(
    slow.map((o) => o.orderId),
    600_000,
  );
  const slowSeconds = (performance.now() - t1) / 1000;
  const sl = account("slow burst", slowOutcomes, 600_000);
  const slowInflight = await proxmoxSim("inflight");
  const allVmids = (await prisma.vm.findMany({ where: { vmid: { not: null } }, select: { vmid: true } })).map((v) => v.vmid);
  console.log(
    `${latentBurst} orders paid at once, slow Proxmox: ${sl.running}/${latentBurst} running in ${slowSeconds.toFixed(1)} s (${sl.failed} failed, ${sl.unfinished} unfinished), Proxmox in-flight max ${slowInflight.max} (limit ${limit}); VMIDs overall ${new Set(allVmids).size} distinct of ${allVmids.length}`,
  );
  outcome.expect(Number(slowInflight.max) <= limit, `slow burst: Proxmox in-flight max ${slowInflight.max} above PROVISION_CONCURRENCY=${limit}`);
  outcome.expect(new Set(allVmids).size === allVmids.length, `overall: ${allVmids.length - new Set(allVmids).size} VMID(s) given to two VMs`);
  // 4. A realistic Proxmox: a full clone copies the template's disk at BENCH_CLONE_MBPS, a linked
  // clone (thin storage) is near-instant; the guest's agent answers BENCH_BOOT_S after its start and
  // cloud-init takes BENCH_CLOUD_INIT_S. Paid → reachable, per clone mode (set on the templates).
  await proxmoxSim("settings", "POST", {
    taskDurationMs: 2_000,
    shortTaskDurationMs: 1_500,
    latencyMs: 20,
    cloneMBps,
    guestBootMs: bootSeconds * 1000,
    cloudInitMs: cloudInitSeconds * 1000,
  });
  let realisticRunning = 0;
  for (const mode of ["full", "linked"] as const) {
    await prisma.template.updateMany({ data: { cloneMode: mode } });
    const batch = [];
    for (let i = 0; i < realistic; i++) batch.push(await newOrder(3000 + (mode === "full" ? 0 : 100) + i));
    await Promise.all(batch.map((o) => pay(o.sessionId)));
    const results = await waitOrders(
      batch.map((o) => o.orderId),
      900_000,
    );
    const r = account(`realistic ${mode}`, results, 900_000);
    realisticRunning += r.running;
    const rows = await prisma.order.findMany({
      where: { id: { in: batch.map((o) => o.orderId) } },
      select: { paidAt: true, vm: { select: { readyAt: true } } },
    });
    const reach = rows.filter((o) => o.paidAt && o.vm?.readyAt).map((o) => (o.vm!.readyAt!.getTime() - o.paidAt!.getTime()) / 1000);
    reach.sort((a, b) => a - b);
    console.log(
      `paid → reachable, ${mode} clones (${cloneMBps} MB/s, ${bootSeconds} s boot, ${cloudInitSeconds} s cloud-init), ${realistic} orders paid at once: ${r.running}/${realistic} running; median ${percentile(reach, 50)?.toFixed(1)} s, p90 ${percentile(reach, 90)?.toFixed(1)} s`,
    );
  }
  const total = sequential + burst + latentBurst + 2 * realistic;
  console.log(
    `orders accounted for: ${seq.running + b.running + sl.running + realisticRunning} running of ${total} paid (each one not running is listed above)`,
  );
  outcome.finish();
} finally {
  await app.close();
  await prisma.$disconnect();
  await proxmoxAgent.close();
  await sims.close();
  await db.close();
  await fs.rm(stateDir, { recursive: true, force: true });
}
