// bench/enforcement: one ladder tick over 10,000 subscriptions in mixed states (active, cancelling,
// past due at every rung, suspended, retained, awaiting deletion). Prints the time of the one
// selecting pass, of the whole tick, and the SQL statements it sent; proves no Stripe call is made
// (STRIPE_API_URL points at a closed port: any call would fail the tick). Targets: one selecting
// pass, whole tick <= 2 s. A missed target or a wrong count of applied steps exits 1.
//   npm run bench:enforcement        (BENCH_ROWS, BENCH_DUE_PERCENT to change; BENCH_DATABASE_URL to reuse a server)
import pg from "pg";
import { applyMigrations } from "../lib/db/schema-engine";
import { BenchOutcome } from "./lib/outcome";
import { startBenchPostgres } from "./lib/postgres";
import { testEnv } from "../test/fixtures/env";

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const DUE_PERCENT = Number(process.env.BENCH_DUE_PERCENT ?? 2);
const outcome = new BenchOutcome("bench:enforcement");

// Every statement any pg client sends (Prisma's adapter included), counted.
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

const server = await startBenchPostgres();
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
const dbName = `bench_enforcement_${Date.now()}`;
await admin.query(`CREATE DATABASE ${dbName}`);
const url = server.url.replace(/\/[^/]*$/, `/${dbName}`);
try {
  await applyMigrations(url);
  Object.assign(process.env, testEnv, { DATABASE_URL: url, STRIPE_API_URL: "http://127.0.0.1:9", DATABASE_POOL_MAX: "4" });
  const { db } = await import("../lib/db");
  const { runLadderTick, findDueEnforcements } = await import("../lib/billing-state/apply-ladder");
  const { ladderConfig } = await import("../lib/billing-state/ladder");
  const config = ladderConfig();
  const now = new Date();

  // Mixed states; DUE_PERCENT of the overdue rows have their next rung due now, the rest not yet.
  const seed = new pg.Client({ connectionString: url });
  await seed.connect();
  await seed.query(
    `INSERT INTO users (id, email, name, password_hash, updated_at) SELECT 'u' || i, 'u' || i || '@bench.test', 'U' || i, 'x', now() FROM generate_series(1, $1) i`,
    [ROWS],
  );
  await seed.query(
    `INSERT INTO billing_enforcements (id, subscription_id, stripe_subscription_id, user_id, order_id, state, overdue_since, warning_sent_at, suspended_at, suspend_done_at, retain_until, updated_at)
     SELECT 'b' || i, 's' || i, 'sub_' || i, 'u' || i, 'o' || i,
            (ARRAY['active','active','active','active','canceled_at_period_end','past_due','final_warning','backups_blocked','retained','pending_deletion'])[1 + i % 10]::"BillingState",
            CASE WHEN i % 10 IN (5, 6, 7) THEN $2::timestamp - make_interval(hours => CASE WHEN (i / 10) % 100 < $3 THEN $4 ELSE 1 END, mins => CASE WHEN (i / 10) % 100 < $3 THEN 10 ELSE 0 END) END,
            CASE WHEN i % 10 IN (5, 6, 7) THEN $2::timestamp END,
            CASE WHEN i % 10 IN (8, 9) THEN $2::timestamp - interval '3 days' END,
            CASE WHEN i % 10 IN (8, 9) THEN $2::timestamp - interval '3 days' END,
            CASE WHEN i % 10 IN (8, 9) THEN $2::timestamp + interval '11 days' END,
            $2::timestamp
       FROM generate_series(1, $1) i`,
    [ROWS, now, DUE_PERCENT, Math.max(config.BILLING_FINAL_WARNING_HOURS, config.BILLING_BACKUPS_BLOCKED_HOURS, config.BILLING_SUSPEND_HOURS)],
  );
  await seed.query("ANALYZE billing_enforcements");
  await seed.end();
  await db.$queryRaw`SELECT 1`; // connect before measuring

  // A warm-up tick first (1 h earlier), on a small cohort of its own; the measured rows fall due 10 min before `now`: a fresh process
  // pays Prisma's first-query costs (about 1.5 s here), which a long-running worker has paid already.
  const warm = new pg.Client({ connectionString: url });
  await warm.connect();
  const { rows: cohort } = await warm.query(
    `UPDATE billing_enforcements SET overdue_since = $1::timestamp - make_interval(hours => $2) WHERE id IN (SELECT id FROM billing_enforcements WHERE state = 'past_due' AND overdue_since > $1::timestamp - interval '2 hours' ORDER BY id LIMIT 20) RETURNING id`,
    [now, Math.max(config.BILLING_FINAL_WARNING_HOURS, config.BILLING_BACKUPS_BLOCKED_HOURS, config.BILLING_SUSPEND_HOURS) + 2],
  );
  await warm.end();
  const warmStarted = performance.now();
  const warmTick = await runLadderTick(new Date(now.getTime() - 60 * 60_000), config);
  console.log(`warm-up tick (cold process, ${cohort.length} rows): ${(performance.now() - warmStarted).toFixed(1)} ms, ${warmTick.applied} steps`);

  statements = 0;
  let started = performance.now();
  const due = await findDueEnforcements(now, config);
  const selectMs = performance.now() - started;
  const selectStatements = statements;

  statements = 0;
  started = performance.now();
  const tick = await runLadderTick(now, config);
  const tickMs = performance.now() - started;
  const tickStatements = statements;

  statements = 0;
  started = performance.now();
  const again = await runLadderTick(now, config);
  const idleMs = performance.now() - started;

  const states = await db.billingEnforcement.groupBy({ by: ["state"], _count: { _all: true } });
  console.log(`rows: ${ROWS} (${states.map((s) => `${s.state} ${s._count._all}`).join(", ")})`);
  console.log(`selecting pass: ${selectMs.toFixed(1)} ms, ${selectStatements} statement(s), ${due.length} due rows`);
  console.log(`tick: ${tickMs.toFixed(1)} ms, ${tickStatements} statements, ${tick.applied} steps applied, ${tick.suspend.length} suspensions requested`);
  console.log(`second tick (nothing left due): ${idleMs.toFixed(1)} ms, ${statements} statement(s), ${again.applied} applied`);
  outcome.expect(selectStatements === 1, `the selecting pass sent ${selectStatements} statements, not 1`);
  outcome.expect(tickMs <= 2_000, `tick took ${tickMs.toFixed(0)} ms (target <= 2000)`);
  outcome.expect(due.length > 0 && tick.due === due.length, `due rows: select ${due.length}, tick ${tick.due}`);
  // Each step once (I3): the same tick again finds the retained/awaiting rows only, and applies nothing.
  outcome.expect(again.applied === 0, `a second tick applied ${again.applied} steps`);
  await db.$disconnect();
} catch (error) {
  outcome.fail(`bench crashed: ${(error as Error).stack ?? error}`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  await server.close();
  outcome.finish();
}
