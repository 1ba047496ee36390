// The ladder as a pure function (I6: a ladder, never a cliff) and the state machine's table.
import { describe, expect, it } from "vitest";
import { billingMachine } from "./billing-state";
import { ladderTimeline, nextLadderStep, type LadderConfig, type LadderRow } from "./ladder";

const config: LadderConfig = { finalWarningHours: 72, backupsBlockedHours: 72, suspendHours: 120, retainDays: 14, autoDelete: false };
const H = 3_600_000;
const t0 = new Date("2026-12-01T00:00:00Z");
const at = (hours: number) => new Date(t0.getTime() + hours * H);
const row = (over: Partial<LadderRow>): LadderRow => ({
  state: "past_due",
  warningSentAt: t0,
  overdueSince: t0,
  endedAt: null,
  graceUntil: null,
  suspendedAt: null,
  suspendDoneAt: null,
  retainUntil: null,
  deletionApprovedAt: null,
  ...over,
});

describe("nextLadderStep", () => {
  it("I6: each rung only at its time, one at a time, and never deletion as a first response", () => {
    expect(nextLadderStep(row({ warningSentAt: null }), at(0), config)).toEqual({ kind: "warn" });
    expect(nextLadderStep(row({}), at(71.9), config)).toBeNull();
    expect(nextLadderStep(row({}), at(72), config)).toEqual({ kind: "final_warning" });
    expect(nextLadderStep(row({ state: "final_warning" }), at(72), config)).toEqual({ kind: "backups_blocked" });
    expect(nextLadderStep(row({ state: "backups_blocked" }), at(119.9), config)).toBeNull();
    expect(nextLadderStep(row({ state: "backups_blocked" }), at(120), config)).toEqual({ kind: "suspend", reason: "overdue" });
    // Retained only once the VM is confirmed stopped.
    expect(nextLadderStep(row({ state: "suspended", suspendedAt: at(120) }), at(500), config)).toBeNull();
    expect(nextLadderStep(row({ state: "suspended", suspendedAt: at(120), suspendDoneAt: at(121) }), at(121), config)).toEqual({ kind: "retain" });
    const retained = row({ state: "retained", retainUntil: at(120 + 14 * 24) });
    expect(nextLadderStep(retained, at(120 + 14 * 24 - 1), config)).toBeNull();
    expect(nextLadderStep(retained, at(120 + 14 * 24), config)).toEqual({ kind: "await_deletion" });
    // Deletion needs an approval or the explicit policy switch.
    const waiting = row({ state: "pending_deletion", retainUntil: at(0) });
    expect(nextLadderStep(waiting, at(10_000), config)).toBeNull();
    expect(nextLadderStep({ ...waiting, deletionApprovedAt: at(1) }, at(10_000), config)).toEqual({ kind: "delete" });
    expect(nextLadderStep(waiting, at(10_000), { ...config, autoDelete: true })).toEqual({ kind: "delete" });
  });

  it("I6: an operator's grace pushes every rung to its end", () => {
    const graced = row({ state: "backups_blocked", graceUntil: at(200) });
    expect(nextLadderStep(graced, at(150), config)).toBeNull();
    expect(nextLadderStep(graced, at(200), config)).toEqual({ kind: "suspend", reason: "overdue" });
  });

  it("a subscription that ended (cancelled at period end) goes straight to suspension, from any live rung", () => {
    for (const state of ["active", "canceled_at_period_end", "past_due", "final_warning", "backups_blocked"] as const) {
      expect(nextLadderStep(row({ state, overdueSince: null, endedAt: at(5) }), at(5), config)).toEqual({ kind: "suspend", reason: "ended" });
    }
    expect(nextLadderStep(row({ state: "active", overdueSince: null }), at(10_000), config)).toBeNull();
  });
});

describe("billing state machine", () => {
  it("I7: payment restores from every overdue or suspended state; deleted is final; no jump from active to deletion", () => {
    for (const s of ["past_due", "final_warning", "backups_blocked", "suspended", "retained", "pending_deletion"] as const)
      expect(billingMachine.can(s, "active")).toBe(true);
    expect(billingMachine.can("deleted", "active")).toBe(false);
    for (const s of ["active", "past_due", "suspended", "retained"] as const) expect(billingMachine.can(s, "deleted")).toBe(false);
    expect(billingMachine.can("active", "retained")).toBe(false);
  });
});

describe("ladderTimeline", () => {
  it("shows the dates to come for an overdue subscription", () => {
    const entries = ladderTimeline({ ...row({}), finalWarningSentAt: null, backupsBlockedAt: null, deletedAt: null }, config);
    expect(entries.map((e) => [e.step, e.at?.toISOString(), e.done])).toEqual([
      ["Payment overdue", at(0).toISOString(), true],
      ["Final warning", at(72).toISOString(), false],
      ["Snapshots and backups blocked", at(72).toISOString(), false],
      ["VM suspended (stopped, data kept)", at(120).toISOString(), false],
      ["Data kept until", at(120 + 14 * 24).toISOString(), false],
    ]);
  });
});
