// bench/lifetime: issue 16's lifetime simulation at scale, on demand. Same world as
// test/lifetime/lifetime.db.test.ts (fresh stand-ins, the webhook's domain function, the app's
// Inngest functions in-process, each customer on a Stripe test clock of their own), on a throwaway
// PostgreSQL (Debian's server binaries, or BENCH_DATABASE_URL). Prints customers × months
// simulated, steps, wall time, where the time went, and every violation; exits 1 on any.
//   npm run bench:lifetime                         (LIFETIME_CUSTOMERS=200, LIFETIME_MONTHS=14, LIFETIME_SEEDS=1616, LIFETIME_LANES=8)
//   LIFETIME_CUSTOMERS=20 LIFETIME_SEEDS=1-3 npm run bench:lifetime
import { testEnv } from "../test/fixtures/env";
import { startBenchPostgres } from "./lib/postgres";

const customers = Number(process.env.LIFETIME_CUSTOMERS ?? 200);
const months = Number(process.env.LIFETIME_MONTHS ?? 14);
const lanes = Number(process.env.LIFETIME_LANES ?? 8);

for (const [key, value] of Object.entries(testEnv)) process.env[key] ??= value;
const database = await startBenchPostgres();
process.env.DATABASE_URL = database.url;
process.env.DATABASE_POOL_MAX ??= String(Math.max(10, lanes * 2));
const { applyMigrations } = await import("../lib/db/schema-engine");
await applyMigrations(database.url);
const { startLifetimeWorld } = await import("../test/lifetime/world");
const { prepareLifetimeCatalog } = await import("../test/lifetime/catalog");
const { formatLifetimeReport, runLifetimeSeed, seedsFrom } = await import("../test/lifetime/run-seed");

const say = (line: string) => void process.stdout.write(`${line}\n`);
if (!process.env.LIFETIME_APP_LOGS) for (const level of ["info", "warn", "error"] as const) console[level] = () => undefined;

const seeds = seedsFrom(process.env.LIFETIME_SEEDS, [1616]);
const world = await startLifetimeWorld();
const restore = await prepareLifetimeCatalog(world);
let violations = 0;
try {
  say(`bench/lifetime: seeds ${seeds.join(", ")}; ${customers} customers × ${months} months each, ${lanes} customers at a time`);
  for (const seed of seeds) {
    const report = await runLifetimeSeed(world, seed, { customers, months, concurrency: lanes }, say);
    say(formatLifetimeReport(report));
    say(
      `  ${report.customers} customers × ${report.months} months = ${report.customers * report.months} customer-months in ${report.seconds} s (${((report.seconds / report.customers) * 1000).toFixed(0)} ms per customer-life)`,
    );
    violations += report.violations.length;
  }
  say(violations ? `FAILED: ${violations} violation(s)` : "no violations");
} finally {
  await restore();
  await world.close();
  await database.close();
}
process.exit(violations ? 1 : 0);
