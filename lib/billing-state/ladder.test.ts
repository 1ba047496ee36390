import { describe, expect, it } from "vitest";
import { LADDER, ladderTimeline, nextLadderStep, type LadderConfig, type LadderRow, type Rung } from "./ladder";
import { billingMachine } from "./billing-state";

// Every rung on a timer of its own, so a rung timed by another rung's setting is caught.
const config: LadderConfig = {
  BILLING_FINAL_WARNING_HOURS: 24,
  BILLING_BACKUPS_BLOCKED_HOURS: 48,
  BILLING_SUSPEND_HOURS: 96,
  retainDays: 14,
  autoDelete: false,
};
const t0 = new Date("2030-03-01T00:00:00Z");
const at = (hours: number) => new Date(t0.getTime() + hours * 3_600_000);
const row = (over: Partial<LadderRow>): LadderRow => ({
  state: "past_due",
  warningSentAt: t0,
  overdueSince: t0,
  endedAt: null,
  endReason: null,
  graceUntil: null,
  suspendedAt: null,
  suspendDoneAt: null,
  retainUntil: null,
  deletionApprovedAt: null,
  ...over,
});
const kind = (r: LadderRow, hours: number, ladder: readonly Rung[] = LADDER, c = config) => nextLadderStep(r, at(hours), c, ladder)?.kind ?? null;

/** When each overdue rung first falls due, hour by hour: what the table's timers say. */
function overdueTimings(ladder: readonly Rung[]) {
  const first = (state: LadderRow["state"]) => {
    for (let h = 0; h <= 200; h++) if (kind(row({ state }), h, ladder)) return h;
    return null;
  };
  return { finalWarning: first("past_due"), backupsBlocked: first("final_warning"), suspend: first("backups_blocked") };
}

describe("the ladder table", () => {
  it("I6: each overdue rung falls due on its own setting's hours after 'overdue since', one at a time", () => {
    expect(kind(row({ warningSentAt: null }), 0)).toBe("warn");
    expect(kind(row({}), 23.9)).toBeNull();
    expect(kind(row({}), 24)).toBe("final_warning");
    expect(kind(row({ state: "final_warning" }), 47.9)).toBeNull();
    expect(kind(row({ state: "final_warning" }), 48)).toBe("backups_blocked");
    expect(kind(row({ state: "backups_blocked" }), 95.9)).toBeNull();
    expect(kind(row({ state: "backups_blocked" }), 96)).toBe("suspend");
    expect(overdueTimings(LADDER)).toEqual({ finalWarning: 24, backupsBlocked: 48, suspend: 96 });
  });

  it("swapping two rungs' timers in the table is caught: the timings above change", () => {
    const swapped = LADDER.map((r) =>
      r.name === "final_warning"
        ? { ...r, due: { after: "overdue" as const, setting: "BILLING_BACKUPS_BLOCKED_HOURS" as const } }
        : r.name === "backups_blocked"
          ? { ...r, due: { after: "overdue" as const, setting: "BILLING_FINAL_WARNING_HOURS" as const } }
          : r,
    );
    expect(overdueTimings(swapped)).not.toEqual(overdueTimings(LADDER));
    expect(overdueTimings(swapped)).toEqual({ finalWarning: 48, backupsBlocked: 24, suspend: 96 });
  });

  it("I6: retained once the VM is confirmed stopped; awaiting deletion at the end of retention; deleted only with an approval or the policy switch", () => {
    expect(kind(row({ state: "suspended", suspendedAt: at(96) }), 500)).toBeNull();
    expect(kind(row({ state: "suspended", suspendedAt: at(96), suspendDoneAt: at(97) }), 97)).toBe("retain");
    const retained = row({ state: "retained", retainUntil: at(96 + 14 * 24) });
    expect(kind(retained, 96 + 14 * 24 - 1)).toBeNull();
    expect(kind(retained, 96 + 14 * 24)).toBe("await_deletion");
    const waiting = row({ state: "pending_deletion", retainUntil: at(0) });
    expect(kind(waiting, 10_000)).toBeNull();
    expect(kind({ ...waiting, deletionApprovedAt: at(1) }, 10_000)).toBe("delete");
    expect(nextLadderStep(waiting, at(10_000), { ...config, autoDelete: true })?.kind).toBe("delete");
  });

  it("I6: an operator's grace pushes every rung to its end", () => {
    const graced = row({ state: "backups_blocked", graceUntil: at(200) });
    expect(kind(graced, 150)).toBeNull();
    expect(kind(graced, 200)).toBe("suspend");
  });

  it("I12: a subscription its customer cancelled ends at its end (stopped, data kept) — not suspended for money", () => {
    for (const state of ["active", "canceled_at_period_end"] as const) {
      const ended = row({ state, overdueSince: null, warningSentAt: null, endedAt: at(5), endReason: "cancellation_requested" });
      expect(kind(ended, 4.9)).toBeNull();
      expect(nextLadderStep(ended, at(5), config)).toMatchObject({ kind: "end", rung: { to: "ended", notice: "ended", followUp: "stop" } });
    }
    expect(kind(row({ state: "ended", overdueSince: null, endedAt: at(5), suspendDoneAt: at(6) }), 6)).toBe("retain");
    expect(kind(row({ state: "active", overdueSince: null, warningSentAt: null }), 10_000)).toBeNull();
  });

  it("I12: ended by Stripe for non-payment, the overdue story goes on at its own pace", () => {
    const dunned = row({ state: "past_due", endedAt: at(10), endReason: "payment_failed" });
    expect(kind(dunned, 10)).toBeNull();
    expect(kind(dunned, 24)).toBe("final_warning");
    expect(kind({ ...dunned, state: "active" }, 10_000)).toBeNull();
  });
});

describe("billing state machine", () => {
  it("I7: payment restores from every overdue or suspended state; deleted and superseded are final; no jump from active to deletion", () => {
    for (const s of ["past_due", "final_warning", "backups_blocked", "suspended", "retained", "pending_deletion"] as const)
      expect(billingMachine.can(s, "active")).toBe(true);
    expect(billingMachine.can("deleted", "active")).toBe(false);
    expect(billingMachine.can("superseded", "active")).toBe(false);
    expect(billingMachine.can("ended", "active")).toBe(false);
    for (const s of ["active", "past_due", "suspended", "retained", "ended"] as const) expect(billingMachine.can(s, "deleted")).toBe(false);
    expect(billingMachine.can("active", "retained")).toBe(false);
    expect(billingMachine.can("active", "suspended")).toBe(false);
  });

  it("every rung of the table is a move the state machine allows", () => {
    for (const rung of LADDER) for (const from of rung.from) expect(billingMachine.can(from, rung.to), `${rung.name}: ${from} → ${rung.to}`).toBe(true);
  });
});

describe("ladderTimeline", () => {
  const extra = { finalWarningSentAt: null, backupsBlockedAt: null, deletedAt: null };
  it("shows the overdue story's dates to come, from the table", () => {
    const entries = ladderTimeline({ ...row({}), ...extra }, config);
    expect(entries.map((e) => [e.step, e.at?.toISOString(), e.done])).toEqual([
      ["Payment overdue", at(0).toISOString(), true],
      ["Final warning", at(24).toISOString(), false],
      ["Snapshots and backups blocked", at(48).toISOString(), false],
      ["VM suspended (stopped, data kept)", at(96).toISOString(), false],
      ["Data kept until", at(96 + 14 * 24).toISOString(), false],
    ]);
  });

  it("tells the cancelled story without money words", () => {
    const entries = ladderTimeline(
      { ...row({ state: "ended", overdueSince: null, endedAt: at(5), endReason: "cancellation_requested", suspendedAt: at(5) }), ...extra },
      config,
    );
    expect(entries.map((e) => e.step)).toEqual(["Subscription ended (cancelled)", "VM stopped at the end of the subscription (data kept)", "Data kept until"]);
    expect(JSON.stringify(entries)).not.toMatch(/overdue|unpaid|payment/i);
  });
});
