// Where webhook → running goes, for bench/provision.ts: (1) for orders run through the whole
// stack, the phases by their own timestamps (Stripe's webhook to the order paid, the event to the
// provisioning run, the run itself) and, per step, its time in the app against the Inngest round
// trip before it (the executor stand-in's step records); (2) for one order run step by step in
// this process, each step's handler time and the share of it spent in PostgreSQL (pg's queries
// timed here), the rest being Proxmox, Cloudflare and our own code.
import pg from "pg";
import { percentile } from "./load";

type StepView = { name: string; op: string; startedAt: string; endedAt?: string; status: string };
export type RunLike = {
  functionId: string;
  status: string;
  queuedAt?: string;
  startedAt?: string;
  endedAt?: string;
  attempts: number;
  steps: StepView[];
  event?: unknown;
};

const ms = (iso?: string) => (iso ? Date.parse(iso) : NaN);
const med = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const fmt = (n: number) => (Number.isFinite(n) ? `${Math.round(n)}` : "-");

export type OrderTimes = { t0: number; paidAt: number; run: RunLike; readyAt: number };

/** The phases of webhook → running and the provisioning run's steps, medians over `orders`. */
export function printRunProfile(orders: OrderTimes[]): void {
  if (!orders.length) return;
  const phases = {
    "pay → order paid (webhook, outbox, checkout-completed run, Stripe re-read)": orders.map((o) => o.paidAt - o.t0),
    "order paid → provisioning run starts (event, queue)": orders.map((o) => ms(o.run.startedAt) - o.paidAt),
    "provisioning run (start → VM marked ready)": orders.map((o) => o.readyAt - ms(o.run.startedAt)),
  };
  console.log(`profile: where webhook → running goes (median of ${orders.length} orders, ms)`);
  for (const [phase, values] of Object.entries(phases)) console.log(`  ${fmt(med(values)).padStart(6)}  ${phase}`);

  // Per step: its time as the executor saw it (started → memoized) and the gap since the previous
  // step ended (SDK request, replay of the memoized steps, the executor's scheduling).
  const rows = new Map<string, { run: number[]; gap: number[] }>();
  const totals = { steps: [] as number[], gaps: [] as number[], requests: [] as number[] };
  for (const o of orders) {
    const steps = o.run.steps.filter((s) => s.endedAt).sort((a, b) => ms(a.startedAt) - ms(b.startedAt));
    let previous = ms(o.run.startedAt);
    let inSteps = 0;
    let inGaps = 0;
    for (const step of steps) {
      const row = rows.get(step.name) ?? { run: [], gap: [] };
      const took = ms(step.endedAt) - ms(step.startedAt);
      const gap = Math.max(0, ms(step.startedAt) - previous);
      row.run.push(took);
      row.gap.push(gap);
      rows.set(step.name, row);
      inSteps += took;
      inGaps += gap;
      previous = ms(step.endedAt);
    }
    totals.steps.push(inSteps);
    totals.gaps.push(inGaps);
    totals.requests.push(o.run.attempts);
  }
  console.log(
    `  per provisioning run: ${rows.size} steps, ${fmt(med(totals.requests))} SDK requests; in steps ${fmt(med(totals.steps))} ms, between steps (Inngest round trips) ${fmt(med(totals.gaps))} ms`,
  );
  console.log("  step (median ms)                          in step   round trip before it");
  for (const [name, row] of rows) console.log(`    ${name.padEnd(38)} ${fmt(med(row.run)).padStart(7)}   ${fmt(med(row.gap)).padStart(7)}`);
}

/** Times every pg query of this process: PrismaPg and sqlPool both go through pg.Client#query. */
export function timePgQueries(): { take(): number } {
  let total = 0;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown; __timed?: boolean };
  if (!proto.__timed) {
    const original = proto.query;
    proto.query = function timed(this: unknown, ...args: unknown[]) {
      const started = performance.now();
      const result = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).then(
          () => (total += performance.now() - started),
          () => (total += performance.now() - started),
        );
      }
      return result;
    };
    proto.__timed = true;
  }
  return {
    take() {
      const value = total;
      total = 0;
      return value;
    },
  };
}

/** Runs `steps` in order in this process, printing each one's handler time and its PostgreSQL share. */
export async function printInProcessProfile(steps: Array<[string, () => Promise<unknown>]>): Promise<void> {
  const pgTime = timePgQueries();
  const rows: Array<[string, number, number]> = [];
  for (const [name, work] of steps) {
    pgTime.take();
    const started = performance.now();
    await work();
    const took = performance.now() - started;
    await new Promise((r) => setImmediate(r)); // the last query's timing lands
    rows.push([name, took, pgTime.take()]);
  }
  const sum = (i: 1 | 2) => rows.reduce((s, r) => s + r[i], 0);
  console.log(`profile: one order's steps called in this process (no Inngest): handler ${fmt(sum(1))} ms, of which PostgreSQL ${fmt(sum(2))} ms`);
  console.log("  step                                       handler   PostgreSQL   Proxmox/Cloudflare/other");
  for (const [name, took, db] of rows)
    console.log(`    ${name.padEnd(38)} ${fmt(took).padStart(7)}   ${fmt(db).padStart(10)}   ${fmt(took - db).padStart(10)}`);
}
