// bench/chaos: the chaos test of issue 12 over many seeds and more orders, on demand. Same world as
// test/chaos/chaos.db.test.ts (fresh stand-ins, the webhook domain function, the served Inngest
// functions), on a throwaway PostgreSQL (Debian's server binaries, or BENCH_DATABASE_URL). Prints
// what each seed saw (orders, outcomes, faults injected and hit, Proxmox in-flight maximum,
// leftovers, violations) and exits 1 if any seed broke an invariant.
//   npm run bench:chaos                                  (CHAOS_SEEDS=1-12, CHAOS_ORDERS=12, CHAOS_LIMIT=3)
//   CHAOS_SEEDS=7,42 CHAOS_ORDERS=30 npm run bench:chaos  (CHAOS_VERBOSE=1 keeps the app's own logs)
import { testEnv } from "../test/fixtures/env";
import { startBenchPostgres } from "./lib/postgres";

const seedsSpec = process.env.CHAOS_SEEDS ?? "1-12";
const orderCount = Number(process.env.CHAOS_ORDERS ?? 12);
const limit = Number(process.env.CHAOS_LIMIT ?? 3);

for (const [key, value] of Object.entries(testEnv)) process.env[key] ??= value;
const database = await startBenchPostgres();
process.env.DATABASE_URL = database.url;
process.env.DATABASE_POOL_MAX ??= "10";
const { applyMigrations } = await import("../lib/db/schema-engine");
await applyMigrations(database.url);
const { startChaosWorld } = await import("../test/chaos/world");
const { prepareCatalog } = await import("../test/chaos/drive");
const { formatReport, runChaosSeed, seedsFrom } = await import("../test/chaos/run-seed");

const say = (line: string) => void process.stdout.write(`${line}\n`);
if (!process.env.CHAOS_VERBOSE) for (const level of ["info", "warn", "error"] as const) console[level] = () => undefined;

const seeds = seedsFrom(seedsSpec, []);
const world = await startChaosWorld({ limit, timeScale: Number(process.env.CHAOS_TIME_SCALE ?? 1 / 60) });
const restore = await prepareCatalog(world);
const failed: number[] = [];
try {
  say(`bench/chaos: seeds ${seeds.join(", ")}; ${orderCount} orders each; PROVISION_CONCURRENCY=${limit}`);
  for (const seed of seeds) {
    const report = await runChaosSeed(world, seed, orderCount, say);
    say(formatReport(report));
    if (report.violations.length) failed.push(seed);
  }
  say(failed.length ? `FAILED seeds: ${failed.join(", ")} (of ${seeds.length})` : `all ${seeds.length} seeds passed`);
} finally {
  await restore();
  await world.close();
  await database.close();
}
process.exit(failed.length ? 1 : 0);
