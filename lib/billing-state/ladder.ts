// The enforcement ladder as a pure function of a row and the clock (I6: a ladder, never a cliff).
// The tick (apply-ladder.ts) selects due rows in one SQL pass and asks this module what each one's
// next step is; the timeline on /billing asks it when each step will come.
import type { BillingState } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

export type LadderConfig = {
  finalWarningHours: number;
  backupsBlockedHours: number;
  suspendHours: number;
  retainDays: number;
  autoDelete: boolean;
};

export function ladderConfig(): LadderConfig {
  const e = env();
  return {
    finalWarningHours: e.BILLING_FINAL_WARNING_HOURS,
    backupsBlockedHours: e.BILLING_BACKUPS_BLOCKED_HOURS,
    suspendHours: e.BILLING_SUSPEND_HOURS,
    retainDays: e.BILLING_RETAIN_DAYS,
    autoDelete: e.BILLING_AUTO_DELETE,
  };
}

export type LadderRow = {
  state: BillingState;
  warningSentAt: Date | null;
  overdueSince: Date | null;
  endedAt: Date | null;
  graceUntil: Date | null;
  suspendedAt: Date | null;
  suspendDoneAt: Date | null;
  retainUntil: Date | null;
  deletionApprovedAt: Date | null;
};

export type LadderStep =
  | { kind: "warn" }
  | { kind: "final_warning" }
  | { kind: "backups_blocked" }
  | { kind: "suspend"; reason: "overdue" | "ended" }
  | { kind: "retain" }
  | { kind: "await_deletion" }
  | { kind: "delete" };

const HOUR = 3_600_000;

/** When a step counted from "overdue since" falls due; an operator's grace pushes it later. */
export function dueAt(row: Pick<LadderRow, "overdueSince" | "graceUntil">, hours: number): Date | null {
  if (!row.overdueSince) return null;
  const at = row.overdueSince.getTime() + hours * HOUR;
  return new Date(Math.max(at, row.graceUntil?.getTime() ?? 0));
}

/** The one step due now for this row, or null. Applied, the row's next call may return another. */
export function nextLadderStep(row: LadderRow, now: Date, config: LadderConfig): LadderStep | null {
  const reached = (hours: number) => {
    const at = dueAt(row, hours);
    return at !== null && at.getTime() <= now.getTime();
  };
  const graceOver = !row.graceUntil || row.graceUntil.getTime() <= now.getTime();
  switch (row.state) {
    case "active":
    case "canceled_at_period_end":
      return row.endedAt && graceOver ? { kind: "suspend", reason: "ended" } : null;
    case "past_due":
      if (row.endedAt && graceOver) return { kind: "suspend", reason: "ended" };
      if (!row.warningSentAt) return { kind: "warn" };
      return reached(config.finalWarningHours) ? { kind: "final_warning" } : null;
    case "final_warning":
      if (row.endedAt && graceOver) return { kind: "suspend", reason: "ended" };
      return reached(config.backupsBlockedHours) ? { kind: "backups_blocked" } : null;
    case "backups_blocked":
      if (row.endedAt && graceOver) return { kind: "suspend", reason: "ended" };
      return reached(config.suspendHours) ? { kind: "suspend", reason: "overdue" } : null;
    case "suspended":
      // Retained once the VM is confirmed stopped: "data kept" must be true when we say it.
      return row.suspendDoneAt ? { kind: "retain" } : null;
    case "retained":
      return row.retainUntil && row.retainUntil.getTime() <= now.getTime() && graceOver ? { kind: "await_deletion" } : null;
    case "pending_deletion":
      // Deletion only with an operator's approval, or the explicit policy switch (I6).
      return row.deletionApprovedAt || config.autoDelete ? { kind: "delete" } : null;
    case "deleted":
      return null;
  }
}

export function retainUntilFrom(suspendedAt: Date, config: LadderConfig): Date {
  return new Date(suspendedAt.getTime() + config.retainDays * 24 * HOUR);
}

export type TimelineEntry = { step: string; at: Date | null; done: boolean };

/** What happened and what will happen, with dates, for the customer's and the operator's pages. */
export function ladderTimeline(
  row: LadderRow & { finalWarningSentAt: Date | null; backupsBlockedAt: Date | null; deletedAt: Date | null },
  config: LadderConfig,
): TimelineEntry[] {
  if (row.state === "active" || row.state === "canceled_at_period_end") {
    if (!row.endedAt) return [];
  }
  const entries: TimelineEntry[] = [];
  if (row.overdueSince) {
    entries.push({ step: "Payment overdue", at: row.overdueSince, done: true });
    entries.push({ step: "Final warning", at: row.finalWarningSentAt ?? dueAt(row, config.finalWarningHours), done: !!row.finalWarningSentAt });
    entries.push({ step: "Snapshots and backups blocked", at: row.backupsBlockedAt ?? dueAt(row, config.backupsBlockedHours), done: !!row.backupsBlockedAt });
  } else if (row.endedAt) {
    entries.push({ step: "Subscription ended", at: row.endedAt, done: true });
  }
  const suspendAt = row.suspendedAt ?? (row.overdueSince ? dueAt(row, config.suspendHours) : row.endedAt);
  entries.push({ step: "VM suspended (stopped, data kept)", at: suspendAt, done: !!row.suspendedAt });
  const keptUntil = row.retainUntil ?? (suspendAt ? retainUntilFrom(suspendAt, config) : null);
  entries.push({ step: "Data kept until", at: keptUntil, done: row.state === "pending_deletion" || row.state === "deleted" });
  if (row.state === "deleted") entries.push({ step: "VM and data deleted", at: row.deletedAt, done: true });
  return entries;
}
