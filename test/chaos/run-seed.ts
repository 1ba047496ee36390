// One chaos seed from start to verdict: reset the stand-ins, inject the seed's faults, place and pay
// its orders, wait until everything settles, let the operator retry every failed order with the
// faults cleared (plus a few new transient ones), wait again, then check every invariant from the
// stand-ins' own state. The report says what was seen; `violations` empty means the seed passed.
import { checkInvariants, collectProxmoxRequests, observe } from "./check";
import {
  type PlacedOrder,
  clearFaults,
  faultHits,
  injectFaults,
  openPowerRequests,
  placeOrders,
  rebootSome,
  resetWorld,
  retireOrders,
  retryFailedOrders,
  waitForSettled,
  watchTargets,
} from "./drive";
import { seededRandom } from "./random";
import { drawScenario } from "./scenario";
import type { ChaosWorld } from "./world";

async function stepsPerFunction(world: ChaosWorld): Promise<SeedReport["steps"]> {
  // Loaded late: the budgets import the functions, whose Inngest client must be created only after
  // the world pointed the environment at its own stand-in (world.ts).
  const { stepBudgetOf } = await import("../../inngest/step-budgets");
  const out: SeedReport["steps"] = {};
  for (const run of world.inngestSim.runs()) {
    const fn = run.functionId.replace(/^lab-vps-/, "");
    const entry = (out[fn] ??= { max: 0, budget: stepBudgetOf(fn.replace(/-failure$/, "")) });
    entry.max = Math.max(entry.max, run.steps.length);
  }
  return out;
}

export interface SeedReport {
  seed: number;
  orders: { paid: number; unpaid: number };
  failedBeforeRetry: number;
  outcomes: Record<string, number>;
  faults: { label: string; hits: number }[];
  inflightMax: number;
  limit: number;
  /** Most steps one run of each function took, against its budget (inngest/step-budgets.ts). */
  steps: Record<string, { max: number; budget: number }>;
  leftovers: Record<string, number>;
  violations: string[];
  seconds: number;
}

export async function runChaosSeed(world: ChaosWorld, seed: number, orderCount: number, log: (line: string) => void = () => undefined): Promise<SeedReport> {
  const started = Date.now();
  const scenario = drawScenario(seed, orderCount);
  log(
    `chaos seed ${seed}: ${orderCount} orders (${scenario.orders.map((o) => `${o.plan}/${o.payment}${o.payment === "paid" ? `/${o.delivery.kind}` : ""}`).join(", ")}); replay with CHAOS_SEEDS=${seed}`,
  );
  await resetWorld(world, scenario);
  const collector = collectProxmoxRequests(world);
  const violations: string[] = [];
  const injected = await injectFaults(world, [...scenario.provisionFaults, ...scenario.compensationFaults]);

  const placed: PlacedOrder[] = [];
  const watcher = watchTargets(world, placed, scenario.targetedFaults, injected);
  const { orders, pendingReplays } = await placeOrders(world, scenario, log, placed);
  log(
    `  ${orders.length} orders created and paid in ${((Date.now() - started) / 1000).toFixed(1)} s; targeted: ${scenario.targetedFaults.map((t) => t.label).join("; ") || "none"}`,
  );
  await Promise.all(pendingReplays);
  const placedAt = Date.now();
  const firstWait = await waitForSettled(world, orders, 180_000);
  log(`  settled ${((Date.now() - placedAt) / 1000).toFixed(1)} s after the last order was placed`);
  if (firstWait) violations.push(`did not settle before the operator's retries: ${firstWait}`);
  watcher.stop();
  for (const label of watcher.missed()) log(`  targeted fault never injected (the order got no VMID): ${label}`);
  const faults = await faultHits(world, injected);
  // "Failed" must already mean "cleaned up": checked before the operator's retries can paper over it.
  const beforeRetry = checkInvariants(await observe(world, orders, collector.snapshot()), world.limit, world.app.env().PROXMOX_DISK);
  violations.push(...beforeRetry.violations.map((v) => `before the retries: ${v}`));

  await clearFaults(world);
  const retryInjected = await injectFaults(world, scenario.retryFaults);
  // Own generators: these draws happen after awaits, so sharing one would make them depend on timing.
  const r = seededRandom(seed ^ 0x5eed);
  const rebootDraw = seededRandom(seed ^ 0xb007);
  const [{ retried, refused }, reboots] = await Promise.all([
    retryFailedOrders(world, orders, seed, () => r.chance(0.3)),
    rebootSome(world, orders, () => rebootDraw.chance(0.4)),
  ]);
  violations.push(...refused.map((x) => `I8: ${x}`));
  log(
    `  ${retried.length} failed order(s) retried by the operator${refused.length ? ` (${refused.length} refused)` : ""}; ${reboots} running VM(s) rebooted by their customers meanwhile`,
  );
  const retriedAt = Date.now();
  const secondWait = await waitForSettled(world, orders, 180_000);
  log(`  settled ${((Date.now() - retriedAt) / 1000).toFixed(1)} s after the retries`);
  if (secondWait) violations.push(`did not settle after the operator's retries: ${secondWait}`);
  faults.push(...(await faultHits(world, retryInjected)).map((f) => ({ ...f, label: `retry phase: ${f.label}` })));
  await clearFaults(world);

  const unfinishedPower = await openPowerRequests(world, orders);
  if (unfinishedPower) violations.push(`at the end: ${unfinishedPower} power request(s) never finished`);
  // Inngest fails a run past 1,000 steps: every run stays within its function's computed budget.
  const steps = await stepsPerFunction(world);
  for (const [fn, { max, budget }] of Object.entries(steps)) if (max > budget) violations.push(`${fn}: a run took ${max} steps, over its budget of ${budget}`);
  for (const run of world.inngestSim.runs())
    if (run.error?.name === "InngestErrFunctionOverflowed") violations.push(`${run.functionId} run ${run.id} failed past Inngest's step limit`);
  const observation = await observe(world, orders, await collector.stop());
  const verdict = checkInvariants(observation, world.limit, world.app.env().PROXMOX_DISK);
  await retireOrders(world, orders);
  violations.push(...verdict.violations.map((v) => `at the end: ${v}`));
  const outcomes: Record<string, number> = {};
  for (const o of observation.orders)
    outcomes[`${o.plan.payment === "paid" ? "paid" : "unpaid"} ${o.status}`] =
      (outcomes[`${o.plan.payment === "paid" ? "paid" : "unpaid"} ${o.status}`] ?? 0) + 1;
  return {
    seed,
    orders: { paid: orders.filter((o) => o.plan.payment === "paid").length, unpaid: orders.filter((o) => o.plan.payment !== "paid").length },
    failedBeforeRetry: retried.length,
    outcomes,
    faults,
    inflightMax: observation.inflightMax,
    limit: world.limit,
    steps,
    leftovers: Object.fromEntries(Object.entries(verdict.leftovers).map(([k, n]) => [k, Math.max(n, beforeRetry.leftovers[k] ?? 0)])),
    violations,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

export function formatReport(report: SeedReport): string {
  const lines = [
    `seed ${report.seed}: ${report.violations.length ? `FAILED (${report.violations.length} violation(s))` : "passed"} in ${report.seconds} s`,
    `  orders: ${report.orders.paid} paid, ${report.orders.unpaid} unpaid; outcomes ${Object.entries(report.outcomes)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ")}; ${report.failedBeforeRetry} failed before the operator's retry`,
    `  faults: ${report.faults.map((f) => `${f.label} [hit ${f.hits}×]`).join("; ")}`,
    `  Proxmox in flight: max ${report.inflightMax} (limit ${report.limit}); leftovers (most seen at either check): ${Object.entries(report.leftovers)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ")}`,
    `  steps per run (max / budget): ${Object.entries(report.steps)
      .filter(([, s]) => s.max > 3)
      .map(([fn, s]) => `${fn} ${s.max}/${s.budget}`)
      .join(", ")}`,
    ...report.violations.map((v) => `  VIOLATION ${v}`),
  ];
  return lines.join("\n");
}

/** Seeds from CHAOS_SEEDS ("7,42" or "100-109"), else the given defaults. */
export function seedsFrom(value: string | undefined, defaults: number[]): number[] {
  if (!value?.trim()) return defaults;
  return value.split(",").flatMap((part) => {
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
    const n = Number(part.trim());
    if (!Number.isInteger(n)) throw new Error(`CHAOS_SEEDS: '${part}' is not a seed`);
    return [n];
  });
}
