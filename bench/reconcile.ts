// bench/reconcile: one drift reconciliation (lib/reconcile) over BENCH_VMS VMs (5,000) on three
// Proxmox stand-in nodes, with a little drift seeded (BENCH_DRIFT guests moved to another node,
// as many orphan clones): the time it takes and the requests it makes to Proxmox, Cloudflare and
// Stripe, first with a tenth of the VMs, to show that requests grow with nodes and list pages,
// not with VMs. Exits 1 over 30 s, when the seeded drift is not all found, or when the
// Proxmox requests differ between the two sizes.
//   npm run bench:reconcile            (no build needed; BENCH_VMS, BENCH_DRIFT)
import pg from "pg";
import { startAllSims } from "@lab-vps/sim";
import { applyMigrations } from "../lib/db/schema-engine";
import { BenchOutcome } from "./lib/outcome";
import { startBenchPostgres } from "./lib/postgres";
import { testEnv } from "../test/fixtures/env";

const VMS = Number(process.env.BENCH_VMS ?? 5_000);
const DRIFT = Number(process.env.BENCH_DRIFT ?? 25);
const NODES = ["pve1", "pve2", "pve3"];
const outcome = new BenchOutcome("bench:reconcile");

const server = await startBenchPostgres();
const sims = await startAllSims({
  only: ["proxmox", "cloudflare", "stripe", "mail"],
  statusPort: 0,
  stripe: { port: 0, webhookUrl: "" },
  proxmox: { port: 0, sshPort: 0, taskDurationMs: 0, nodes: NODES.map((name) => ({ name })) },
  cloudflare: { port: 0 },
  mail: { port: 0 },
});
const proxmox = sims.handles.proxmox!;
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
const dbName = `bench_reconcile_${Date.now()}`;
await admin.query(`CREATE DATABASE ${dbName}`);
const url = server.url.replace(/\/[^/]*$/, `/${dbName}`);
try {
  await applyMigrations(url);
  Object.assign(process.env, testEnv, sims.env, { DATABASE_URL: url, DATABASE_POOL_MAX: "4", VM_ID_MIN: "1000", VM_ID_MAX: "99999" });
  const { db } = await import("../lib/db");
  const { cloneVm } = await import("../lib/proxmox/api");
  const { runReconciliation } = await import("../lib/reconcile/run-reconciliation");

  await db.proxmoxNode.createMany({ data: NODES.map((name) => ({ name, cpuCapacity: 100_000, ramCapacityGb: 100_000, diskCapacityGb: 1_000_000 })) });
  const user = await db.user.create({ data: { email: "bench@example.com", name: "Bench", passwordHash: "x" } });
  const plan = await db.plan.create({
    data: { slug: "bench", name: "Bench", labType: "containerlab", vcpus: 1, ramGb: 1, diskGb: 10, monthlyPriceMinor: 100 },
  });

  /** Guests `from..to` (exclusive) spread over the nodes (tasks take no time here), and their VM rows. */
  const seed = async (from: number, to: number) => {
    const started = performance.now();
    const vmids = Array.from({ length: to - from }, (_, i) => 10_000 + from + i);
    for (let i = 0; i < vmids.length; i += 50) {
      await Promise.all(vmids.slice(i, i + 50).map((vmid) => cloneVm("pve1", 9000, { newid: vmid, name: `lab-${vmid}`, target: NODES[vmid % 3]! })));
    }
    for (let i = 0; i < vmids.length; i += 1000) {
      const chunk = vmids.slice(i, i + 1000);
      await db.order.createMany({
        data: chunk.map((vmid) => ({
          id: `order_${vmid}`,
          userId: user.id,
          planId: plan.id,
          interval: "month" as const,
          status: "provisioned" as const,
          amountMinor: 100,
          currency: "usd",
          hostname: `lab-${vmid}`,
          sshPublicKeys: [],
        })),
      });
      await db.vm.createMany({
        data: chunk.map((vmid) => ({
          id: `vm_${vmid}`,
          userId: user.id,
          orderId: `order_${vmid}`,
          planId: plan.id,
          name: `lab-${vmid}`,
          vmid,
          nodeName: NODES[vmid % 3]!,
          status: "running" as const,
          labType: "containerlab" as const,
          vcpus: 1,
          ramGb: 1,
          diskGb: 10,
        })),
      });
    }
    console.log(`seeded ${vmids.length} guests and VM rows over ${NODES.length} nodes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  // The drift: DRIFT orphan guests (our name, no row) and DRIFT rows recorded on the wrong node.
  const seedDrift = async () => {
    await Promise.all(
      Array.from({ length: DRIFT }, (_, i) => cloneVm("pve1", 9000, { newid: 90_000 + i, name: `labvps-vm-orphan${i}`, target: NODES[i % 3]! })),
    );
    for (let i = 0; i < DRIFT; i++) await db.vm.update({ where: { vmid: 10_000 + i }, data: { nodeName: NODES[(10_000 + i + 1) % 3]! } });
  };

  const measure = async (label: string) => {
    const before = proxmox.requestLog().at(-1)?.id ?? 0;
    const cf = sims.handles.cloudflare!.requests.list().length;
    const t0 = performance.now();
    const summary = await runReconciliation();
    const ms = performance.now() - t0;
    const proxmoxRequests = proxmox.requestLog(before).length;
    const cloudflareRequests = sims.handles.cloudflare!.requests.list().length - cf;
    console.log(
      `${label}: ${(ms / 1000).toFixed(2)} s, Proxmox requests ${proxmoxRequests}, Cloudflare requests ${cloudflareRequests}, findings ${summary.found} ${JSON.stringify(summary.byKind)}`,
    );
    return { ms, proxmoxRequests, summary };
  };

  const tenth = Math.ceil(VMS / 10);
  await seed(0, tenth);
  await seedDrift();
  const small = await measure(`${tenth} VMs on ${NODES.length} nodes`);
  await seed(tenth, VMS);
  const full = await measure(`${VMS} VMs on ${NODES.length} nodes`);
  outcome.expect(full.ms <= 30_000, `one reconciliation took ${Math.round(full.ms)} ms (target 30 s)`);
  outcome.expect(full.summary.byKind.vm_moved === DRIFT, `expected ${DRIFT} moved VMs, found ${full.summary.byKind.vm_moved ?? 0}`);
  outcome.expect(full.summary.byKind.proxmox_orphan === DRIFT, `expected ${DRIFT} orphan guests, found ${full.summary.byKind.proxmox_orphan ?? 0}`);
  outcome.expect(full.summary.found === 2 * DRIFT, `expected ${2 * DRIFT} findings, found ${full.summary.found}`);
  outcome.expect(small.proxmoxRequests === full.proxmoxRequests, `Proxmox requests grew with the VMs: ${small.proxmoxRequests} → ${full.proxmoxRequests}`);
  await db.$disconnect();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  await sims.close();
  await server.close();
}
outcome.finish();
