// The enforcement ladder as one table (I6: a ladder, never a cliff). Each rung says, once: the
// states it leaves and the one it reaches, when it falls due (hours after "overdue since" from a
// setting, a stored date, the VM confirmed stopped, an approval), the timestamp column it writes,
// the email it sends, the VM work it asks for, and its words on the timeline. Everything reads
// this table: the next-step logic below, the tick's one SQL selection (apply-ladder.ts builds it
// from the rungs; ladder-sql.db.test.ts pins the two together over random rows), the notices, and
// the timeline on /billing and /admin/billing. Time is the customer's billing clock
// (billing-clock.ts): callers pass each row's own "now".
import type { BillingState } from "@/lib/generated/prisma/client";
import type { BillingNoticeKind } from "@/lib/email/templates/billing-notice";
import { env } from "@/lib/env";
import { storyOfRow, type BillingStory } from "@/lib/billing-state/billing-story";

/** The settings the rungs are timed by (lib/env.ts validates each). */
export type LadderSetting = "BILLING_FINAL_WARNING_HOURS" | "BILLING_BACKUPS_BLOCKED_HOURS" | "BILLING_SUSPEND_HOURS";

export type LadderConfig = Record<LadderSetting, number> & { retainDays: number; autoDelete: boolean };

export function ladderConfig(): LadderConfig {
  const e = env();
  return {
    BILLING_FINAL_WARNING_HOURS: e.BILLING_FINAL_WARNING_HOURS,
    BILLING_BACKUPS_BLOCKED_HOURS: e.BILLING_BACKUPS_BLOCKED_HOURS,
    BILLING_SUSPEND_HOURS: e.BILLING_SUSPEND_HOURS,
    retainDays: e.BILLING_RETAIN_DAYS,
    autoDelete: e.BILLING_AUTO_DELETE,
  };
}

export type LadderRow = {
  state: BillingState;
  overdueSince: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  graceUntil: Date | null;
  warningSentAt: Date | null;
  suspendedAt: Date | null;
  suspendDoneAt: Date | null;
  retainUntil: Date | null;
  deletionApprovedAt: Date | null;
};

/** The columns a rung stamps with the customer's "now" when it is taken. */
export type LadderColumn = "finalWarningSentAt" | "backupsBlockedAt" | "suspendedAt" | "pendingDeletionAt";

export type Due =
  /** `setting` hours after "overdue since". */
  | { after: "overdue"; setting: LadderSetting }
  /** When the subscription ended (the customer's cancellation took effect). */
  | { after: "ended" }
  /** The end of the retention window (`retainUntil`, set when the VM was stopped). */
  | { after: "retention" }
  /** The VM is confirmed stopped: "data kept" must be true when we say it. */
  | { when: "vm_stopped" }
  /** An operator approved the deletion, or the BILLING_AUTO_DELETE policy switch is on (I6). */
  | { when: "approved" };

export type Rung = {
  name: "final_warning" | "backups_blocked" | "suspend" | "end" | "retain" | "await_deletion" | "delete";
  story: BillingStory | null;
  from: readonly BillingState[];
  to: BillingState;
  due: Due;
  column: LadderColumn | null;
  notice: BillingNoticeKind | null;
  /** VM work the rung hands to an Inngest function (never inside the tick, I2). */
  followUp: "stop" | "delete" | null;
  /** The timeline's words for it. */
  step: string;
};

export const LADDER = [
  {
    name: "final_warning",
    story: "overdue",
    from: ["past_due"],
    to: "final_warning",
    due: { after: "overdue", setting: "BILLING_FINAL_WARNING_HOURS" },
    column: "finalWarningSentAt",
    notice: "final_warning",
    followUp: null,
    step: "Final warning",
  },
  {
    name: "backups_blocked",
    story: "overdue",
    from: ["final_warning"],
    to: "backups_blocked",
    due: { after: "overdue", setting: "BILLING_BACKUPS_BLOCKED_HOURS" },
    column: "backupsBlockedAt",
    notice: "backups_blocked",
    followUp: null,
    step: "Snapshots and backups blocked",
  },
  {
    name: "suspend",
    story: "overdue",
    from: ["backups_blocked"],
    to: "suspended",
    due: { after: "overdue", setting: "BILLING_SUSPEND_HOURS" },
    column: "suspendedAt",
    notice: "suspended",
    followUp: "stop",
    step: "VM suspended (stopped, data kept)",
  },
  {
    name: "end",
    story: "ended_by_customer",
    from: ["active", "canceled_at_period_end"],
    to: "ended",
    due: { after: "ended" },
    column: "suspendedAt",
    notice: "ended",
    followUp: "stop",
    step: "VM stopped at the end of the subscription (data kept)",
  },
  {
    name: "retain",
    story: null,
    from: ["suspended", "ended"],
    to: "retained",
    due: { when: "vm_stopped" },
    column: null,
    notice: null,
    followUp: null,
    step: "VM stopped, data kept",
  },
  {
    name: "await_deletion",
    story: null,
    from: ["retained"],
    to: "pending_deletion",
    due: { after: "retention" },
    column: "pendingDeletionAt",
    notice: null,
    followUp: null,
    step: "Data kept until",
  },
  {
    name: "delete",
    story: null,
    from: ["pending_deletion"],
    to: "deleted",
    due: { when: "approved" },
    column: null,
    notice: null,
    followUp: "delete",
    step: "VM and data deleted",
  },
] as const satisfies readonly Rung[];

export type LadderRungName = (typeof LADDER)[number]["name"];

/** The first notice of the overdue story, sent once when a row becomes past_due (not a move). */
export const OVERDUE_ENTRY = { state: "past_due", notice: "warning", step: "Payment overdue" } as const satisfies {
  state: BillingState;
  notice: BillingNoticeKind;
  step: string;
};

const HOUR = 3_600_000;

/** When a rung falls due for this row (an operator's grace pushes it later); null: not by time, or not yet known. */
export function dueAt(rung: Rung, row: Pick<LadderRow, "overdueSince" | "endedAt" | "retainUntil" | "graceUntil">, config: LadderConfig): Date | null {
  let at: number | null = null;
  if ("after" in rung.due) {
    if (rung.due.after === "overdue") at = row.overdueSince ? row.overdueSince.getTime() + config[rung.due.setting] * HOUR : null;
    else if (rung.due.after === "ended") at = row.endedAt?.getTime() ?? null;
    else at = row.retainUntil?.getTime() ?? null;
  }
  return at === null ? null : new Date(Math.max(at, row.graceUntil?.getTime() ?? 0));
}

/** Whether the rung may be taken now for this row. */
export function rungIsDue(rung: Rung, row: LadderRow, now: Date, config: LadderConfig): boolean {
  if (!rung.from.includes(row.state)) return false;
  if (rung.story && storyOfRow(row) !== rung.story) return false;
  if ("when" in rung.due) return rung.due.when === "vm_stopped" ? row.suspendDoneAt !== null : row.deletionApprovedAt !== null || config.autoDelete;
  const at = dueAt(rung, row, config);
  return at !== null && at.getTime() <= now.getTime();
}

export type LadderStep = { kind: "warn" } | { kind: LadderRungName; rung: Rung };

/**
 * The one step due now for this row, or null. Applied, the row's next call may return another.
 * (`ladder` is the table; tests pass a changed copy to prove they would notice the change.)
 */
export function nextLadderStep(row: LadderRow, now: Date, config: LadderConfig, ladder: readonly Rung[] = LADDER): LadderStep | null {
  if (row.state === OVERDUE_ENTRY.state && !row.warningSentAt) return { kind: "warn" };
  const rung = ladder.find((r) => rungIsDue(r, row, now, config));
  return rung ? { kind: rung.name, rung } : null;
}

export const rungNamed = (name: LadderRungName): Rung => LADDER.find((r) => r.name === name)!;

export function retainUntilFrom(stoppedAt: Date, config: LadderConfig): Date {
  return new Date(stoppedAt.getTime() + config.retainDays * 24 * HOUR);
}

export type TimelineEntry = { step: string; at: Date | null; done: boolean };

type TimelineRow = LadderRow & { finalWarningSentAt: Date | null; backupsBlockedAt: Date | null; deletedAt: Date | null };

/** What happened and what will happen, with dates, read from the rungs (the customer's and the operator's pages). */
export function ladderTimeline(row: TimelineRow, config: LadderConfig): TimelineEntry[] {
  const story = storyOfRow(row);
  if (story === "live" || row.state === "superseded") return [];
  const entries: TimelineEntry[] = [];
  const stamped = (rung: Rung) => (rung.column ? row[rung.column as keyof TimelineRow] : null) as Date | null;
  if (story === "overdue") {
    entries.push({ step: OVERDUE_ENTRY.step, at: row.overdueSince ?? row.endedAt, done: true });
    for (const rung of LADDER.filter((r) => r.story === "overdue")) {
      const done = stamped(rung);
      entries.push({ step: rung.step, at: done ?? dueAt(rung, row, config), done: !!done });
    }
  } else {
    entries.push({ step: "Subscription ended (cancelled)", at: row.endedAt, done: true });
    const end = rungNamed("end");
    entries.push({ step: end.step, at: row.suspendedAt ?? dueAt(end, row, config), done: !!row.suspendedAt });
  }
  const stoppedAt = row.suspendedAt ?? dueAt(story === "overdue" ? rungNamed("suspend") : rungNamed("end"), row, config);
  const keptUntil = row.retainUntil ?? (stoppedAt ? retainUntilFrom(stoppedAt, config) : null);
  entries.push({ step: rungNamed("await_deletion").step, at: keptUntil, done: row.state === "pending_deletion" || row.state === "deleted" });
  if (row.state === "deleted") entries.push({ step: rungNamed("delete").step, at: row.deletedAt, done: true });
  return entries;
}
