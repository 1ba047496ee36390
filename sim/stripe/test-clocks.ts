// Test clocks, as Stripe has them (API reference "Test Clocks"; Billing docs "Test your integration
// with test clocks"): a clock is created at a `frozen_time`; customers are attached at creation
// (`customers.create({ test_clock })`) and everything of theirs — checkout sessions, subscriptions,
// invoices, schedules — lives at the clock's frozen time. `advance` is asynchronous: the clock
// answers `status: advancing` (frozen_time unchanged, `status_details.advancing.target_frozen_time`)
// and moves through every renewal, retry, finalization and expiry in order, each at the moment it
// fell due, then turns `ready` with the new frozen_time (`test_helpers.test_clock.ready`). It may
// only move forward, and "cannot be more than two intervals in the future from the shortest
// subscription in this test clock. If there are no subscriptions in this test clock, it cannot be
// more than two years in the future" (stripe-node's TestClockAdvanceParams). Other clocks, and
// objects on none, are not touched. Deleting a clock deletes its customers and their objects.
import type Stripe from "stripe";
import { addInterval, realNow } from "./clock";
import { invalidParam, invalidRequest } from "./errors";
import { customerId } from "./objects/subscription";
import type { Params } from "./params";
import { runDueWork } from "./renewal";
import { newId } from "./store";
import type { SimContext } from "./types";

type TestClock = Stripe.TestHelpers.TestClock;

// Stripe's API reference example: `deletes_after` is a week after `created`.
const LIFETIME_SECONDS = 7 * 86_400;

const advances = new WeakMap<SimContext, Map<string, Promise<void>>>();
const pending = (ctx: SimContext) => {
  let map = advances.get(ctx);
  if (!map) advances.set(ctx, (map = new Map()));
  return map;
};

export function createTestClock(ctx: SimContext, p: Params): TestClock {
  const frozen = p.int("frozen_time");
  if (frozen === undefined) throw invalidRequest("Missing required param: frozen_time.", { param: "frozen_time", code: "parameter_missing" });
  const name = p.str("name") ?? null;
  if (name && name.length > 300) throw invalidParam("name", "Invalid string: the name must be at most 300 characters.");
  const created = realNow();
  const clock: TestClock = {
    id: newId("clock_1"),
    object: "test_helpers.test_clock",
    created,
    deletes_after: created + LIFETIME_SECONDS,
    frozen_time: frozen,
    livemode: false,
    name,
    status: "ready",
    status_details: {},
  };
  ctx.store.testClocks.set(clock.id, clock);
  ctx.events.emit("test_helpers.test_clock.created", clock);
  return clock;
}

/** The frozen time of `clock`, or real time for objects on none. */
export function timeOf(ctx: SimContext, clock: string | null): number {
  return clock ? ctx.store.testClock(clock).frozen_time : realNow();
}

/** The test clock an object (by id) lives on, if any. */
export function clockOfObject(ctx: SimContext, id: string | null | undefined): string | null {
  if (!id) return null;
  const { store } = ctx;
  const ref = (value: string | { id: string } | null | undefined) => (typeof value === "string" ? value : (value?.id ?? null));
  if (id.startsWith("cus_")) return ref(store.customers.get(id)?.test_clock);
  if (id.startsWith("sub_sched_")) return ref(store.schedules.get(id)?.test_clock);
  if (id.startsWith("sub_")) return ref(store.subscriptions.get(id)?.test_clock);
  if (id.startsWith("in_")) return ref(store.invoices.get(id)?.test_clock);
  if (id.startsWith("cs_")) return store.clockOfCustomer(store.sessions.get(id)?.customer);
  if (id.startsWith("bps_")) return store.clockOfCustomer(store.portalSessions.get(id)?.customer);
  if (id.startsWith("pi_")) {
    const entry = [...store.invoiceIntents.entries()].find(([, intent]) => intent.id === id);
    return entry ? ref(store.invoices.get(entry[0])?.test_clock) : null;
  }
  return null;
}

/**
 * Runs `fn` at the time of the first of `ids` that lives on a test clock (a request about that
 * object), else in real time.
 */
export function atTimeOf<T>(ctx: SimContext, ids: Array<string | null | undefined>, fn: () => T): T {
  for (const id of ids) {
    const clock = clockOfObject(ctx, id);
    if (clock && ctx.store.testClocks.has(clock)) return ctx.clock.runAt(timeOf(ctx, clock), fn);
  }
  return fn();
}

/** How far the clock may go in one advance: two of its shortest subscription interval, or two years. */
export function advanceLimit(ctx: SimContext, clock: TestClock): number {
  const frozen = clock.frozen_time;
  let limit = addInterval(frozen, "year", 2);
  for (const sub of ctx.store.subscriptions.onClock(clock.id)) {
    if (sub.status === "canceled" || sub.status === "incomplete_expired") continue;
    for (const item of sub.items.data) {
      const recurring = item.price.recurring;
      if (recurring) limit = Math.min(limit, addInterval(frozen, recurring.interval, 2 * recurring.interval_count));
    }
  }
  return limit;
}

/** Starts moving the clock to `frozenTime`; answers at once with the clock `advancing`. */
export function advanceTestClock(ctx: SimContext, clock: TestClock, frozenTime: number | undefined): TestClock {
  if (frozenTime === undefined) throw invalidRequest("Missing required param: frozen_time.", { param: "frozen_time", code: "parameter_missing" });
  if (clock.status !== "ready") {
    throw invalidRequest(`The test clock ${clock.id} is ${clock.status}: it can be advanced once its status is ready.`, { param: "test_clock" });
  }
  if (frozenTime <= clock.frozen_time) {
    throw invalidParam("frozen_time", "The frozen time must be after the test clock's current frozen time.");
  }
  const limit = advanceLimit(ctx, clock);
  if (frozenTime > limit) {
    throw invalidParam(
      "frozen_time",
      `The frozen time cannot be more than two intervals in the future from the shortest subscription in this test clock (at most ${limit}).`,
    );
  }
  clock.status = "advancing";
  clock.status_details = { advancing: { target_frozen_time: frozenTime } };
  ctx.events.emit("test_helpers.test_clock.advancing", clock);
  const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    try {
      // Each item at the moment it fell due, on this clock only (renewal.ts).
      runDueWork(ctx, clock.id, frozenTime);
      clock.frozen_time = frozenTime;
      clock.status = "ready";
      clock.status_details = {};
      ctx.events.emit("test_helpers.test_clock.ready", clock);
    } catch (error) {
      ctx.options.log(`test clock ${clock.id} failed to advance: ${error instanceof Error ? error.stack : String(error)}`);
      clock.status = "internal_failure";
      clock.status_details = {};
      ctx.events.emit("test_helpers.test_clock.internal_failure", clock);
    } finally {
      pending(ctx).delete(clock.id);
    }
  });
  pending(ctx).set(clock.id, work);
  return structuredClone(clock);
}

/** Resolves once the clock is no longer advancing. */
export async function whenSettled(ctx: SimContext, id: string): Promise<TestClock> {
  await pending(ctx).get(id);
  return ctx.store.testClock(id);
}

/** Deleting a clock deletes its customers and every object of theirs (Stripe's docs). */
export function deleteTestClock(ctx: SimContext, clock: TestClock): Stripe.TestHelpers.DeletedTestClock {
  const { store } = ctx;
  const customers = new Set([...store.customers.values()].filter((c) => c.test_clock === clock.id).map((c) => c.id));
  for (const map of [store.subscriptions, store.invoices, store.sessions] as const) {
    for (const object of [...map.onClock(clock.id)]) map.delete(object.id);
  }
  for (const [id, schedule] of store.schedules) if (customers.has(customerId(schedule))) store.schedules.delete(id);
  for (const id of customers) {
    store.customers.delete(id);
    store.cards.delete(id);
  }
  store.testClocks.delete(clock.id);
  ctx.events.emit("test_helpers.test_clock.deleted", clock);
  return { id: clock.id, object: "test_helpers.test_clock", deleted: true };
}
