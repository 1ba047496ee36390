// bench/webhook: signed Stripe events at 50, 100 and 200 per second for 20 s each against the
// production server's webhook route, then the same load against a bare Node HTTP server that only
// verifies the signature and inserts the event row (the floor). Prints p50/p99 acknowledgement
// latency and errors, then waits for the app's forwarder and checks that every acknowledged event
// was recorded, marked forwarded AND received by Inngest (the stand-in), once. A request that was
// not acknowledged, an acknowledged event that was lost, or a missed target (app ceiling >= 50 %
// of the floor's, p99 <= 10 ms at 200/s) is listed and makes the run exit 1.
//   npm run build && npm run bench:webhook            (BENCH_SECONDS, BENCH_RATES to change)
import http from "node:http";
import os from "node:os";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import Stripe from "stripe";
import { Inngest } from "inngest";
import { applyMigrations } from "../lib/db/schema-engine";
import { startAllSims } from "@lab-vps/sim";
import { runClosedLoop, runOpenLoop, type LoadResult } from "./lib/load";
import { BenchOutcome } from "./lib/outcome";
import { startBenchPostgres } from "./lib/postgres";
import { freePort, startAppServer } from "./lib/app-server";
import { testEnv } from "../test/fixtures/env";
import { stripeEventBody } from "../test/fixtures/stripe-event";

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const rates = (process.env.BENCH_RATES ?? "50,100,200").split(",").map(Number);
const secret = "whsec_bench_secret";
const stripe = new Stripe("sk_test_bench");

function signedEvent(id: string) {
  const payload = JSON.stringify(stripeEventBody({ id, type: "invoice.paid", object: { id: `in_${id.slice(4)}`, object: "invoice", status: "paid" } }));
  return { body: payload, headers: { "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret }) } };
}

/**
 * The floor: signature check + one INSERT, nothing else. With `forwardTo`, also the one thing the
 * app must add before it may acknowledge (I3): the send to Inngest, through the real SDK.
 */
async function startFloorServer(databaseUrl: string, forwardTo?: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const inngest = forwardTo ? new Inngest({ id: "bench-floor", isDev: true, baseUrl: forwardTo }) : null;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const event = stripe.webhooks.constructEvent(Buffer.concat(chunks).toString("utf8"), String(req.headers["stripe-signature"]), secret, 300);
      if (inngest) await inngest.send({ id: event.id, name: `stripe/${event.type}`, data: { stripeEventId: event.id } });
      await pool.query(`INSERT INTO stripe_events (id, type, status) VALUES ($1, $2, 'received') ON CONFLICT (id) DO NOTHING`, [event.id, event.type]);
      res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
    } catch {
      res.writeHead(400).end();
    }
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.close();
      await pool.end();
    },
  };
}

async function countRecorded(databaseUrl: string, prefix: string): Promise<{ rows: number; forwarded: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query(`SELECT count(*)::int AS rows, count(forwarded_at)::int AS forwarded FROM stripe_events WHERE id LIKE $1`, [
    `${prefix}%`,
  ]);
  await client.end();
  return rows[0];
}

/** Events with `prefix` the Inngest stand-in holds, and how many arrived more than once. */
async function countInngest(inngestUrl: string, prefix: string): Promise<{ events: number; duplicates: number }> {
  const events = (await (await fetch(`${inngestUrl}/_sim/events`)).json()) as Array<{ id: string; duplicates: number }>;
  const ours = events.filter((e) => e.id.startsWith(prefix));
  return { events: ours.length, duplicates: ours.reduce((n, e) => n + e.duplicates, 0) };
}

const outcome = new BenchOutcome("bench/webhook");

/**
 * After a load phase: every acknowledged event must be recorded, then forwarded by the app's own
 * forwarder (waited for, up to 30 s) and present in Inngest (I3).
 */
async function checkDelivered(label: string, databaseUrl: string, inngestUrl: string, prefix: string, acknowledged: number) {
  const started = performance.now();
  let recorded = await countRecorded(databaseUrl, prefix);
  while (recorded.forwarded < acknowledged && performance.now() - started < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
    recorded = await countRecorded(databaseUrl, prefix);
  }
  const drained = Math.round(performance.now() - started);
  const inngest = await countInngest(inngestUrl, prefix);
  const ok = recorded.rows >= acknowledged && recorded.forwarded >= acknowledged && inngest.events >= acknowledged;
  const text = `recorded ${recorded.rows}/${acknowledged} forwarded ${recorded.forwarded}/${acknowledged} in Inngest ${inngest.events}/${acknowledged} (resent ${inngest.duplicates}, dropped by id) drained in ${drained} ms`;
  outcome.expect(ok, `${label}: acknowledged events not all delivered (I3): ${text}`);
  return `${text}${ok ? " (none lost)" : " (LOST EVENTS)"}`;
}

function line(label: string, r: LoadResult, extra = "") {
  outcome.expect(r.errors === 0, `${label} at ${r.rate}/s: ${r.errors} of ${r.sent} requests not acknowledged (${JSON.stringify(r.statuses)})`);
  console.log(
    `${label.padEnd(8)} ${String(r.rate).padStart(4)}/s × ${r.seconds}s  sent ${r.sent}  ok ${r.ok}  errors ${r.errors}  p50 ${r.p50} ms  p99 ${r.p99} ms  max ${r.max} ms  ${r.achievedRps} ok/s ${extra}`,
  );
}

const db = await startBenchPostgres();
const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "labvps-bench-sim-"));
// Inngest stand-in with no app to call: events are accepted and counted, no function runs, so
// the numbers are the webhook's own (its forwarder included: it runs in the same process).
const sims = await startAllSims({ only: ["inngest"], statusPort: 0, inngest: { port: 0, appUrls: [] } });
try {
  await applyMigrations(db.url);
  const inngestUrl = sims.env.INNGEST_DEV!;
  const app = await startAppServer({
    ...testEnv,
    ...sims.env,
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: "10",
    STRIPE_WEBHOOK_SECRET: secret,
    SIM_STATE_DIR: stateDir,
  });
  console.log(`bench/webhook on ${os.cpus().length} cores, PostgreSQL ${db.url.split("@")[1]}, ${seconds}s per rate`);
  const results: Record<string, LoadResult[]> = { app: [], floor: [] };
  const ceilings = { app: 0, floor: 0, floorForward: 0 };
  try {
    await runOpenLoop({ origin: app.origin, path: "/api/webhooks/stripe", rate: 20, seconds: 2, makeRequest: (i) => signedEvent(`evt_warm_${i}`) }); // JIT + pool warm-up
    for (const rate of rates) {
      const prefix = `evt_app_${rate}_`;
      const r = await runOpenLoop({ origin: app.origin, path: "/api/webhooks/stripe", rate, seconds, makeRequest: (i) => signedEvent(`${prefix}${i}`) });
      results.app!.push(r);
      line("app", r, await checkDelivered(`app at ${rate}/s`, db.url, inngestUrl, prefix, r.ok));
    }
    const ceiling = await runClosedLoop({
      origin: app.origin,
      path: "/api/webhooks/stripe",
      concurrency: 32,
      seconds: 10,
      makeRequest: (i) => signedEvent(`evt_appmax_${i}`),
    });
    console.log(`app      ceiling (32 concurrent, 10 s): ${ceiling.rps} ok/s, errors ${ceiling.errors}, p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms`);
    outcome.expect(ceiling.errors === 0, `app ceiling: ${ceiling.errors} requests not acknowledged`);
    console.log(`         ${await checkDelivered("app ceiling", db.url, inngestUrl, "evt_appmax_", ceiling.ok)}`);
    ceilings.app = ceiling.rps;
  } finally {
    await app.close();
  }
  const floor = await startFloorServer(db.url);
  try {
    for (const rate of rates) {
      const prefix = `evt_floor_${rate}_`;
      const r = await runOpenLoop({ origin: floor.origin, path: "/", rate, seconds, makeRequest: (i) => signedEvent(`${prefix}${i}`) });
      results.floor!.push(r);
      line("floor", r);
    }
    const ceiling = await runClosedLoop({
      origin: floor.origin,
      path: "/",
      concurrency: 32,
      seconds: 10,
      makeRequest: (i) => signedEvent(`evt_floormax_${i}`),
    });
    console.log(`floor    ceiling (32 concurrent, 10 s): ${ceiling.rps} ok/s, errors ${ceiling.errors}, p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms`);
    outcome.expect(ceiling.errors === 0, `floor ceiling: ${ceiling.errors} requests not acknowledged`);
    ceilings.floor = ceiling.rps;
  } finally {
    await floor.close();
  }
  const forwarding = await startFloorServer(db.url, sims.env.INNGEST_DEV);
  try {
    const ceiling = await runClosedLoop({
      origin: forwarding.origin,
      path: "/",
      concurrency: 32,
      seconds: 10,
      makeRequest: (i) => signedEvent(`evt_floorfwd_${i}`),
    });
    console.log(`floor+forward ceiling (32 concurrent, 10 s): ${ceiling.rps} ok/s, errors ${ceiling.errors}, p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms`);
    outcome.expect(ceiling.errors === 0, `floor+forward ceiling: ${ceiling.errors} requests not acknowledged`);
    ceilings.floorForward = ceiling.rps;
  } finally {
    await forwarding.close();
  }
  const share = Math.round((100 * ceilings.app) / Math.max(1, ceilings.floor));
  console.log(
    `throughput: app ${ceilings.app} ok/s = ${Math.round((100 * ceilings.app) / Math.max(1, ceilings.floorForward))}% of floor+forward's ${ceilings.floorForward} ok/s`,
  );
  console.log(`throughput: app ${ceilings.app} ok/s = ${share}% of the floor's ${ceilings.floor} ok/s (target >= 50 %)`);
  outcome.expect(share >= 50, `app ceiling is ${share} % of the floor's (target >= 50 %)`);
  const at200 = results.app!.find((r) => r.rate === 200);
  if (at200) {
    console.log(`latency: app p99 at 200/s ${at200.p99} ms (target <= 10 ms)`);
    outcome.expect(at200.p99 <= 10, `app p99 at 200/s is ${at200.p99} ms (target <= 10 ms)`);
  }
  outcome.finish();
} finally {
  await sims.close();
  await db.close();
  await fs.rm(stateDir, { recursive: true, force: true });
}
