// The tick's one SQL selection is built from the ladder table (apply-ladder.ts); this pins it to
// the table's next-step logic (ladder.ts) over random rows: a row is selected exactly when a step
// is due for it on its own customer's clock (a test clock's frozen time, or real time), or when its
// VM stop should be asked for again. A condition written differently in the two would show here.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import type { BillingState } from "@/lib/generated/prisma/client";
import { findDueEnforcements, stopResendDue } from "@/lib/billing-state/apply-ladder";
import { nextLadderStep, type LadderConfig } from "@/lib/billing-state/ladder";
import { BILLING_STATES } from "@/lib/billing-state/billing-state";
import { seededRandom } from "@/test/chaos/random";
import { uniqueTag } from "@/test/fixtures/vm";

const config: LadderConfig = {
  BILLING_FINAL_WARNING_HOURS: 24,
  BILLING_BACKUPS_BLOCKED_HOURS: 48,
  BILLING_SUSPEND_HOURS: 96,
  retainDays: 14,
  autoDelete: false,
};
const HOUR = 3_600_000;

describe("the ladder's SQL selection is the ladder table (property test over random rows)", () => {
  it.each([20261207, 1616, 42])("I6: seed %i — selected ⇔ a step is due on the row's own clock (or its stop is asked again)", async (seed) => {
    const r = seededRandom(seed);
    const now = new Date(Date.UTC(2030, 2, 1));
    const tag = uniqueTag();
    const clockTimes = [null, new Date(now.getTime() - 30 * 24 * HOUR), new Date(now.getTime() + 45 * 24 * HOUR)];
    const clocks = clockTimes.map((time, i) => (time ? { id: `clock_prop_${tag}_${i}`, frozenTime: time } : null));
    for (const clock of clocks) if (clock) await db.billingClock.create({ data: { ...clock, status: "ready" } });
    const users = await Promise.all(
      clocks.map((clock, i) =>
        db.user.create({ data: { email: `ladder.${tag}.${i}@example.test`, name: "L", passwordHash: "x", stripeTestClockId: clock?.id ?? null } }),
      ),
    );
    const around = (base: Date, spreadHours: number) => new Date(base.getTime() + (r.next() - 0.5) * 2 * spreadHours * HOUR);
    const maybe = (p: number, value: () => Date) => (r.chance(p) ? value() : null);
    const rows = [];
    for (let i = 0; i < 150; i++) {
      const userIndex = r.int(0, users.length - 1);
      const clockNow = clockTimes[userIndex] ?? now;
      const state = r.pick(BILLING_STATES.filter((s) => s !== "deleted" && s !== "superseded")) as BillingState;
      const overdueSince = maybe(0.6, () => around(clockNow, 150));
      const endedAt = maybe(0.4, () => around(clockNow, 100));
      rows.push({
        id: `b_${tag}_${i}`,
        subscriptionId: `s_${tag}_${i}`,
        stripeSubscriptionId: `sub_${tag}_${i}`,
        orderId: `o_${tag}_${i}`,
        userId: users[userIndex]!.id,
        state,
        overdueSince,
        endedAt,
        endReason: endedAt ? r.pick(["cancellation_requested", "payment_failed", null]) : null,
        graceUntil: maybe(0.2, () => around(clockNow, 100)),
        warningSentAt: maybe(0.7, () => around(clockNow, 100)),
        suspendedAt: maybe(0.5, () => around(clockNow, 100)),
        suspendDoneAt: maybe(0.5, () => around(clockNow, 100)),
        retainUntil: maybe(0.5, () => around(clockNow, 400)),
        deletionApprovedAt: maybe(0.3, () => around(clockNow, 100)),
        lastActionAt: r.chance(0.5) ? new Date(Date.now() - 2 * HOUR) : new Date(),
      });
    }
    await db.billingEnforcement.createMany({ data: rows });

    const selected = new Set((await findDueEnforcements(now, config, { userIds: users.map((u) => u.id), limit: 1_000 })).map((x) => x.id));
    const mismatches = rows.flatMap((row) => {
      const clockNow = clockTimes[users.findIndex((u) => u.id === row.userId)] ?? now;
      const due = nextLadderStep(row, clockNow, config) !== null || stopResendDue(row);
      return due === selected.has(row.id)
        ? []
        : [`${row.id} (${row.state}): logic says ${due ? "due" : "not due"}, SQL ${selected.has(row.id) ? "selected" : "did not select"} it`];
    });
    expect(mismatches).toEqual([]);
    expect(selected.size).toBeGreaterThan(10); // the random rows did exercise the selection
  });
});
