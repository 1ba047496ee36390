// The ladder tick (DESIGN §3 Enforcement): one SQL pass finds every row with a step due from its
// state and the clock (no Stripe call per row: Stripe's facts were stored when its signals came),
// then each due step is applied once. A step's email is queued before its conditional move, with a
// key per episode, so a re-run after a crash queues the same row and moves nothing twice (I3).
import { db } from "@/lib/db";
import type { BillingState } from "@/lib/generated/prisma/client";
import { transitionBillingMany } from "@/lib/billing-state/billing-state";
import { episodeOf } from "@/lib/billing-state/apply-stripe-billing";
import { dueAt, ladderConfig, nextLadderStep, retainUntilFrom, type LadderConfig, type LadderRow, type LadderStep } from "@/lib/billing-state/ladder";
import { queueBillingNotices } from "@/lib/billing-state/send-billing-notice";

export type EnforcementRow = LadderRow & { id: string; userId: string; orderId: string };

/** Work the tick hands to Inngest functions (Proxmox work never runs inside the tick, I2). */
export type LadderFollowUp = { suspend: Array<{ enforcementId: string; suspendedAt: string }>; delete: Array<{ enforcementId: string; asOf: string }> };

// A suspension whose VM is not confirmed stopped after this long gets its request sent again
// (the event id is the same, so a run already under way is not doubled).
const SUSPEND_RESEND_AFTER_MS = 15 * 60_000;

/** Every row with something due at `now`, in one query (bench/enforcement.ts measures it). */
export async function findDueEnforcements(now: Date, config: LadderConfig, limit = 2_000): Promise<EnforcementRow[]> {
  const resendBefore = new Date(now.getTime() - SUSPEND_RESEND_AFTER_MS);
  const rows = await db.$queryRaw<Array<Omit<EnforcementRow, "state"> & { state: string }>>`
    SELECT id, user_id AS "userId", order_id AS "orderId", state::text AS state,
           overdue_since AS "overdueSince", ended_at AS "endedAt", grace_until AS "graceUntil",
           warning_sent_at AS "warningSentAt", suspended_at AS "suspendedAt", suspend_done_at AS "suspendDoneAt",
           retain_until AS "retainUntil", deletion_approved_at AS "deletionApprovedAt"
      FROM billing_enforcements
     WHERE state <> 'deleted' AND (
           (state IN ('active', 'canceled_at_period_end', 'past_due', 'final_warning', 'backups_blocked')
              AND ended_at IS NOT NULL AND (grace_until IS NULL OR grace_until <= ${now}))
        OR (state = 'past_due' AND warning_sent_at IS NULL)
        OR (state = 'past_due' AND GREATEST(overdue_since + make_interval(hours => ${config.finalWarningHours}::int), COALESCE(grace_until, overdue_since)) <= ${now})
        OR (state = 'final_warning' AND GREATEST(overdue_since + make_interval(hours => ${config.backupsBlockedHours}::int), COALESCE(grace_until, overdue_since)) <= ${now})
        OR (state = 'backups_blocked' AND GREATEST(overdue_since + make_interval(hours => ${config.suspendHours}::int), COALESCE(grace_until, overdue_since)) <= ${now})
        OR (state = 'suspended' AND (suspend_done_at IS NOT NULL OR suspended_at <= ${resendBefore}))
        OR (state = 'retained' AND retain_until <= ${now} AND (grace_until IS NULL OR grace_until <= ${now}))
        OR (state = 'pending_deletion' AND (deletion_approved_at IS NOT NULL OR ${config.autoDelete}))
     )
     ORDER BY updated_at
     LIMIT ${limit}`;
  return rows.map((r) => ({ ...r, state: r.state as BillingState }));
}

const system = { type: "system" as const };

type StepKind = LadderStep["kind"];
const noticeOf: Partial<Record<StepKind, "warning" | "final_warning" | "backups_blocked" | "suspended">> = {
  warn: "warning",
  final_warning: "final_warning",
  backups_blocked: "backups_blocked",
  suspend: "suspended",
};

/**
 * One rung for many rows: every row's next step is computed, rows are grouped by step, and each
 * group is applied with a handful of statements (notices queued in one insert-or-skip, one
 * conditional update, one audit insert), whatever the group's size. Returns the rows that moved.
 */
async function applyRound(rows: EnforcementRow[], now: Date, config: LadderConfig, followUp: LadderFollowUp): Promise<EnforcementRow[]> {
  const groups = new Map<StepKind, Array<{ row: EnforcementRow; step: LadderStep }>>();
  for (const row of rows) {
    const step = nextLadderStep(row, now, config);
    if (step) groups.set(step.kind, [...(groups.get(step.kind) ?? []), { row, step }]);
  }
  const moved: EnforcementRow[] = [];
  const retainUntil = retainUntilFrom(now, config);
  for (const [kind, members] of groups) {
    const list = members.map((m) => m.row);
    const byId = new Map(list.map((r) => [r.id, r]));
    const notice = noticeOf[kind];
    if (notice) {
      // Queued before the move, keyed per episode: a crash between the two re-queues the same row (I3).
      const nextAt = (r: EnforcementRow) => (kind === "suspend" ? retainUntil : dueAt(r, config.suspendHours));
      await queueBillingNotices(
        list.map((r) => ({ enforcementId: r.id, userId: r.userId, orderId: r.orderId, kind: notice, episode: episodeOf(r), nextAt: nextAt(r) })),
      );
    }
    const ids = list.map((r) => r.id);
    const detailFor = (id: string) => ({ episode: episodeOf(byId.get(id)!) });
    let done: string[] = [];
    let data: Record<string, Date | null> = {};
    switch (kind) {
      case "warn": {
        data = { warningSentAt: now };
        const rowsMoved = await db.billingEnforcement.updateManyAndReturn({
          where: { id: { in: ids }, warningSentAt: null, state: "past_due" },
          data,
          select: { id: true },
        });
        done = rowsMoved.map((r) => r.id);
        if (done.length) {
          await db.auditEvent.createMany({
            data: done.map((id) => ({ actorType: "system", action: "billing.warning_sent", subjectType: "billing", subjectId: id, data: detailFor(id) })),
          });
        }
        break;
      }
      case "final_warning":
        data = { finalWarningSentAt: now };
        done = await transitionBillingMany({ ids, from: "past_due", to: "final_warning", data, actor: system, detailFor });
        break;
      case "backups_blocked":
        data = { backupsBlockedAt: now };
        done = await transitionBillingMany({ ids, from: "final_warning", to: "backups_blocked", data, actor: system, detailFor });
        break;
      case "suspend": {
        data = { suspendedAt: now, retainUntil, suspendDoneAt: null };
        const from = [...new Set(list.map((r) => r.state))];
        const reasons = new Map(members.map((m) => [m.row.id, m.step.kind === "suspend" ? m.step.reason : "overdue"]));
        done = await transitionBillingMany({
          ids,
          from,
          to: "suspended",
          data,
          actor: system,
          detailFor: (id) => ({ ...detailFor(id), reason: reasons.get(id)! }),
        });
        for (const id of done) followUp.suspend.push({ enforcementId: id, suspendedAt: now.toISOString() });
        break;
      }
      case "retain":
        done = await transitionBillingMany({ ids, from: "suspended", to: "retained", actor: system, detailFor });
        break;
      case "await_deletion":
        // Deletion waits here for an operator's approval (/admin/billing) unless the policy switch is on (I6).
        data = { pendingDeletionAt: now };
        done = await transitionBillingMany({ ids, from: "retained", to: "pending_deletion", data, actor: system, detailFor });
        break;
      case "delete":
        // The deletion function moves the row once everything is gone.
        for (const id of ids) followUp.delete.push({ enforcementId: id, asOf: now.toISOString() });
        break;
    }
    const to: Partial<Record<StepKind, BillingState>> = {
      final_warning: "final_warning",
      backups_blocked: "backups_blocked",
      suspend: "suspended",
      retain: "retained",
      await_deletion: "pending_deletion",
    };
    for (const id of done) {
      const row = byId.get(id)!;
      Object.assign(row, data);
      if (to[kind]) row.state = to[kind];
      moved.push(row);
    }
  }
  return moved;
}

/** Applies every step due for these rows, in ladder order (a long outage climbs several rungs at once). */
export async function advanceEnforcements(rows: EnforcementRow[], now: Date, config: LadderConfig, followUp: LadderFollowUp): Promise<number> {
  let applied = 0;
  let pending = rows;
  for (let round = 0; round < 10 && pending.length; round++) {
    pending = await applyRound(pending, now, config, followUp);
    applied += pending.length;
  }
  // A suspension still waiting on its VM: ask again (same event id, so at most one run, I3).
  for (const row of rows) {
    if (row.state === "suspended" && !row.suspendDoneAt && row.suspendedAt && !followUp.suspend.some((x) => x.enforcementId === row.id)) {
      followUp.suspend.push({ enforcementId: row.id, suspendedAt: row.suspendedAt.toISOString() });
    }
  }
  return applied;
}

export type TickResult = { due: number; applied: number } & LadderFollowUp;

/** One tick: select due rows in one pass, apply their steps, return the Proxmox follow-ups. */
export async function runLadderTick(now = new Date(), config = ladderConfig()): Promise<TickResult> {
  const rows = await findDueEnforcements(now, config);
  const followUp: LadderFollowUp = { suspend: [], delete: [] };
  const applied = await advanceEnforcements(rows, now, config, followUp);
  return { due: rows.length, applied, ...followUp };
}

/** The same steps for one row, right after a Stripe signal moved it (the warning goes out in that run). */
export async function advanceEnforcementById(enforcementId: string, now = new Date(), config = ladderConfig()): Promise<LadderFollowUp> {
  const row = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId } });
  const followUp: LadderFollowUp = { suspend: [], delete: [] };
  await advanceEnforcements([row], now, config, followUp);
  return followUp;
}
