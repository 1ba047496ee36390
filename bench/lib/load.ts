// Open-loop load: requests start on a fixed schedule whatever the server does (a closed loop
// would hide queueing by slowing down with the server). Latency is measured per request.
import { Pool } from "undici";

export type LoadResult = {
  rate: number;
  seconds: number;
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  achievedRps: number;
};

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function runOpenLoop(opts: {
  origin: string;
  path: string;
  rate: number;
  seconds: number;
  makeRequest: (i: number) => { body: string; headers: Record<string, string> };
  connections?: number;
}): Promise<LoadResult> {
  const pool = new Pool(opts.origin, { connections: opts.connections ?? 64, pipelining: 1 });
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { body, headers } = opts.makeRequest(i);
    const t0 = performance.now();
    inFlight.push(
      pool
        .request({ method: "POST", path: opts.path, body, headers: { "content-type": "application/json", ...headers } })
        .then(async (res) => {
          await res.body.dump();
          latencies.push(performance.now() - t0);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode >= 200 && res.statusCode < 300) ok++;
          else errors++;
        })
        .catch(() => {
          errors++;
          statuses.network = (statuses.network ?? 0) + 1;
        }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    rate: opts.rate,
    seconds: opts.seconds,
    sent: total,
    ok,
    errors,
    statuses,
    p50: round(percentile(latencies, 50)),
    p90: round(percentile(latencies, 90)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? NaN),
    achievedRps: round(ok / elapsed),
  };
}

/** Closed loop: `concurrency` clients send back-to-back for `seconds`; measures the ceiling. */
export async function runClosedLoop(opts: {
  origin: string;
  path: string;
  concurrency: number;
  seconds: number;
  makeRequest: (i: number) => { body: string; headers: Record<string, string> };
}): Promise<{ ok: number; errors: number; rps: number; p50: number; p99: number }> {
  const pool = new Pool(opts.origin, { connections: opts.concurrency, pipelining: 1 });
  const deadline = performance.now() + opts.seconds * 1000;
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline) {
        const { body, headers } = opts.makeRequest(next++);
        const t0 = performance.now();
        try {
          const res = await pool.request({ method: "POST", path: opts.path, body, headers: { "content-type": "application/json", ...headers } });
          await res.body.dump();
          latencies.push(performance.now() - t0);
          if (res.statusCode >= 200 && res.statusCode < 300) ok++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { ok, errors, rps: Math.round(ok / elapsed), p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) };
}
