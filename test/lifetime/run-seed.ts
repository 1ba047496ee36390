// One lifetime seed: `customers` customers, each on their own Stripe clock, live `months` months
// with 1–3 VMs and random events; after every step every invariant of ./check.ts is checked for
// that customer. The report counts what happened and lists every violation with the step and seed
// that produced it (replay with LIFETIME_SEEDS=<seed>).
import {
  advance,
  buy,
  cancelOrUndo,
  cardDeclines,
  DAY,
  decideDisputes,
  disputePayment,
  downgrade,
  operatorApproves,
  restoreEnded,
  updateCardAndPay,
  upgrade,
  type SimCustomer,
} from "./drive";
import { checkCustomer } from "./check";
import { testClockOf } from "./clock";
import { seededRandom, type Random } from "./random";
import type { LifetimeWorld } from "./world";

export interface LifetimeReport {
  seed: number;
  customers: number;
  months: number;
  steps: number;
  /** Seconds spent in the customers' actions (and what they set off) and in the invariant checks, summed over lanes. */
  timing: { work: number; check: number };
  engine: { runs: number; steps: number; coalesced: number; failed: number };
  actions: Record<string, number>;
  violations: string[];
  seconds: number;
}

const MONTH = 30.44 * DAY;

type Action = "buy" | "upgrade" | "downgrade" | "cancel" | "declines" | "updateCard" | "restore" | "approve" | "dispute" | "nothing";

function drawAction(r: Random, c: SimCustomer): Action {
  return r.weighted<Action>({
    buy: c.orders.length < 4 ? 3 : 0,
    upgrade: 3,
    downgrade: 2,
    cancel: 2,
    declines: c.cardFailing ? 0 : 1.5,
    updateCard: c.cardFailing ? 3 : 0,
    restore: 2,
    approve: 2,
    // Rare, as in life: a bank disputes a payment (issue 25), then decides it some days later.
    dispute: 0.4,
    nothing: 6,
  });
}

async function act(world: LifetimeWorld, c: SimCustomer, r: Random, action: Action, adminId: string): Promise<string> {
  switch (action) {
    case "buy":
      return buy(world, c, r);
    case "upgrade":
      return upgrade(world, c, r);
    case "downgrade":
      return downgrade(world, c, r);
    case "cancel":
      return cancelOrUndo(world, c, r);
    case "declines":
      return cardDeclines(world, c);
    case "updateCard":
      return updateCardAndPay(world, c);
    case "restore":
      return restoreEnded(world, c, r);
    case "approve":
      return operatorApproves(world, adminId, c);
    case "dispute":
      return disputePayment(world, c, r);
    case "nothing":
      return "nothing";
  }
}

/** A new account, put on a Stripe test clock of its own the way the operator's rehearsal does it. */
async function newCustomer(world: LifetimeWorld, seed: number, index: number, adminId: string): Promise<SimCustomer> {
  const { db } = world.app;
  const tag = `${seed}-${index}-${Date.now().toString(36)}`;
  const user = await db.user.create({ data: { email: `life.${tag}@example.test`, name: `Customer ${index}`, passwordHash: "x" } });
  const { testClockId } = await world.app.attachTestClock({ userId: user.id, adminId });
  return {
    index,
    userId: user.id,
    email: user.email,
    name: user.name,
    clock: testClockOf(world, () => testClockId),
    orders: [],
    cardFailing: false,
    advances: 0,
    log: [],
    refusals: [],
    disputes: [],
  };
}

/** Whose run it was: the customer a failed run's event names (by order, VM, billing row, resize, power request or subscription). */
async function ownerOf(world: LifetimeWorld, data: Record<string, unknown>): Promise<string | null> {
  const { db } = world.app;
  const id = (key: string) => (typeof data[key] === "string" ? (data[key] as string) : null);
  const order = id("orderId") && (await db.order.findUnique({ where: { id: id("orderId")! }, select: { userId: true } }));
  if (order) return order.userId;
  const vm = id("vmId") && (await db.vm.findUnique({ where: { id: id("vmId")! }, select: { userId: true } }));
  if (vm) return vm.userId;
  const row = id("enforcementId") && (await db.billingEnforcement.findUnique({ where: { id: id("enforcementId")! }, select: { userId: true } }));
  if (row) return row.userId;
  const resize = id("resizeRequestId") && (await db.resizeRequest.findUnique({ where: { id: id("resizeRequestId")! }, select: { userId: true } }));
  if (resize) return resize.userId;
  const sub = (id("subscriptionId") ?? id("objectId")) as string | null;
  const mirror = sub && (await db.subscription.findUnique({ where: { stripeSubscriptionId: sub }, select: { userId: true } }));
  return mirror ? mirror.userId : null;
}

const claimed = new WeakMap<LifetimeWorld, Set<number>>();

/** The runs that gave up for this customer since last asked (each failure is claimed once, by its owner or the first to look). */
async function claimFailures(world: LifetimeWorld, c: SimCustomer) {
  const seen = claimed.get(world) ?? new Set<number>();
  claimed.set(world, seen);
  const mine = [];
  for (const [index, failure] of world.engine.failures.entries()) {
    if (seen.has(index)) continue;
    const owner = await ownerOf(world, failure.data);
    if (owner && owner !== c.userId) continue;
    seen.add(index);
    mine.push(failure);
  }
  return mine;
}

/** One customer's life, step by step: every step is followed by the invariant checks. */
class Life {
  readonly violations: string[] = [];
  readonly timing = { work: 0, check: 0 };
  steps = 0;
  private end = 0;
  private constructor(
    private readonly world: LifetimeWorld,
    private readonly seed: number,
    readonly c: SimCustomer,
    readonly r: Random,
    private readonly adminId: string,
    private readonly counts: Record<string, number>,
  ) {}

  static async begin(world: LifetimeWorld, seed: number, index: number, months: number, adminId: string, counts: Record<string, number>) {
    const life = new Life(world, seed, await newCustomer(world, seed, index, adminId), seededRandom((seed * 7919) ^ (index + 1)), adminId, counts);
    life.end = (await life.c.clock.now()) + months * MONTH;
    await life.step("buy", () => buy(world, life.c, life.r));
    return life;
  }

  async done() {
    return (await this.c.clock.now()) >= this.end;
  }

  async step(what: string, work: () => Promise<string>) {
    const { world, c } = this;
    this.steps++;
    const stepStartedAt = new Date();
    const started = performance.now();
    const line = await work().catch((error: unknown) => `${what}: threw ${error instanceof Error ? error.stack : String(error)}`);
    const worked = performance.now();
    this.timing.work += worked - started;
    const per = (this.counts[`ms:${what}`] ??= 0);
    this.counts[`ms:${what}`] = per + (worked - started);
    c.log.push(`[${new Date((await c.clock.now()) * 1000).toISOString().slice(0, 10)}] ${line}`);
    const found = await checkCustomer(world, c, { stepStartedAt });
    for (const f of await claimFailures(world, c)) {
      if (f.fn === "provision-vm" && c.orders.some((o) => o.failBuild && o.orderId === f.data.orderId)) continue;
      found.push(`a run gave up: ${f.fn} (${f.event}): ${f.error}`);
    }
    if (line.includes(": threw ")) found.push(`the step threw: ${line}`);
    this.timing.check += performance.now() - worked;
    for (const violation of found)
      this.violations.push(`seed ${this.seed} customer ${c.index} step ${this.steps} (${what}: ${line.split("\n")[0]}): ${violation}`);
  }

  /** One event the customer (or the operator) chose, if any. */
  async act() {
    const action = drawAction(this.r, this.c);
    this.counts[action] = (this.counts[action] ?? 0) + 1;
    if (action !== "nothing") await this.step(action, () => act(this.world, this.c, this.r, action, this.adminId));
  }

  /** The customer's own clock moves on (only on test clocks). */
  async wait() {
    const hours = this.r.int(18, 6 * 24);
    await this.step("advance", () => advance(this.world, this.c, hours * 3_600));
    const now = await this.c.clock.now();
    if (this.c.disputes.some((d) => !d.decided && now >= d.decideAt)) await this.step("dispute decided", () => decideDisputes(this.world, this.c));
  }
}

export async function runLifetimeSeed(
  world: LifetimeWorld,
  seed: number,
  opts: { customers: number; months: number; concurrency?: number },
  log: (line: string) => void = () => undefined,
): Promise<LifetimeReport> {
  const started = Date.now();
  const { db } = world.app;
  const admin = await db.user.create({ data: { email: `ops.${seed}.${Date.now()}@example.test`, name: "Operator", passwordHash: "x", role: "admin" } });
  const counts: Record<string, number> = {};
  const lives: Life[] = [];
  // Everyone on their own test clock: lives run side by side, each moving only its own clock.
  let nextIndex = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, async () => {
      for (let index = nextIndex++; index < opts.customers; index = nextIndex++) {
        const life = await Life.begin(world, seed, index, opts.months, admin.id, counts);
        lives.push(life);
        while (!(await life.done())) {
          await life.act();
          await life.wait();
        }
        if (life.violations.length) log(`  customer ${index}: ${life.violations.length} violation(s), first: ${life.violations[0]}`);
      }
    }),
  );
  if (process.env.LIFETIME_VERBOSE) for (const life of lives) log(`customer ${life.c.index}:\n  ${life.c.log.join("\n  ")}`);
  const violations = lives.flatMap((l) => l.violations);
  const steps = lives.reduce((n, l) => n + l.steps, 0);
  const sum = (k: "work" | "check") => Math.round(lives.reduce((n, l) => n + l.timing[k], 0) / 100) / 10;
  const { runs, steps: engineSteps, coalesced, failed } = world.engine.stats;
  return {
    seed,
    customers: opts.customers,
    months: opts.months,
    steps,
    timing: { work: sum("work"), check: sum("check") },
    engine: { runs, steps: engineSteps, coalesced, failed },
    actions: counts,
    violations,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** A violation's kind: its sentence with ids, names, numbers and dates taken out. */
export function violationKind(violation: string): string {
  return violation
    .replace(/^seed \d+ customer \d+ step \d+ \([^)]*\)+: /, "")
    .replace(/\b(sub|in|cus|cs|evt|clock)_\w+/g, "$1_…")
    .replace(/\b[a-z0-9]{25}\b/g, "…")
    .replace(/life-[\w-]+/g, "<vm>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d/g, "<date>")
    .replace(/\d+(\.\d+)?/g, "N");
}

export function formatLifetimeReport(report: LifetimeReport): string {
  const kinds = new Map<string, { first: string; count: number }>();
  for (const v of report.violations) {
    const kind = violationKind(v);
    const seen = kinds.get(kind);
    if (seen) seen.count++;
    else kinds.set(kind, { first: v, count: 1 });
  }
  return [
    `seed ${report.seed}: ${report.customers} customers × ${report.months} months, ${report.steps} steps, ${report.seconds} s, ${report.violations.length} violation(s) of ${kinds.size} kind(s)`,
    `  time in actions ${report.timing.work} s, in checks ${report.timing.check} s (summed over lanes); engine: ${report.engine.runs} runs, ${report.engine.steps} steps, ${report.engine.coalesced} coalesced, ${report.engine.failed} gave up`,
    `  actions: ${Object.entries(report.actions)
      .filter(([k]) => !k.startsWith("ms:"))
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
    `  time per kind of step (s, summed): ${Object.entries(report.actions)
      .filter(([k]) => k.startsWith("ms:"))
      .map(([k, n]) => `${k.slice(3)} ${(n / 1000).toFixed(1)}`)
      .join(", ")}`,
    ...[...kinds.values()].map(({ first, count }) => `  VIOLATION (${count}×, first:) ${first}`),
  ].join("\n");
}

export function seedsFrom(value: string | undefined, defaults: number[]): number[] {
  if (!value?.trim()) return defaults;
  return value.split(",").flatMap((part) => {
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
    const n = Number(part.trim());
    if (!Number.isInteger(n)) throw new Error(`LIFETIME_SEEDS: '${part}' is not a seed`);
    return [n];
  });
}
