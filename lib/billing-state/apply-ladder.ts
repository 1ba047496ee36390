// The ladder tick (DESIGN §3 Enforcement): one SQL pass finds every row with a step due from its
// state and the clock (no Stripe call per row: Stripe's facts were stored when its signals came),
// then each due step is applied once. A step's email is queued before its conditional move, with a
// key per episode, so a re-run after a crash queues the same row and moves nothing twice (I3).
import { db } from "@/lib/db";
import type { BillingState } from "@/lib/generated/prisma/client";
import { recordBillingAction, transitionBilling } from "@/lib/billing-state/billing-state";
import { episodeOf } from "@/lib/billing-state/apply-stripe-billing";
import { dueAt, ladderConfig, nextLadderStep, retainUntilFrom, type LadderConfig, type LadderRow, type LadderStep } from "@/lib/billing-state/ladder";
import { queueBillingNotice } from "@/lib/billing-state/send-billing-notice";

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

/** Applies one step to one row. Returns false when another writer got there first. */
async function applyStep(row: EnforcementRow, step: LadderStep, now: Date, config: LadderConfig, followUp: LadderFollowUp): Promise<boolean> {
  const episode = episodeOf(row);
  const id = row.id;
  switch (step.kind) {
    case "warn": {
      await queueBillingNotice(id, "warning", episode, dueAt(row, config.suspendHours));
      const { count } = await db.billingEnforcement.updateMany({ where: { id, warningSentAt: null, state: "past_due" }, data: { warningSentAt: now } });
      if (count === 1) await recordBillingAction(id, "warning_sent", system, { episode });
      row.warningSentAt = now;
      return count === 1;
    }
    case "final_warning":
      await queueBillingNotice(id, "final_warning", episode, dueAt(row, config.suspendHours));
      return move(row, "past_due", "final_warning", { finalWarningSentAt: now });
    case "backups_blocked":
      await queueBillingNotice(id, "backups_blocked", episode, dueAt(row, config.suspendHours));
      return move(row, "final_warning", "backups_blocked", { backupsBlockedAt: now });
    case "suspend": {
      const retainUntil = retainUntilFrom(now, config);
      await queueBillingNotice(id, "suspended", episode, retainUntil);
      const moved = await move(row, row.state, "suspended", { suspendedAt: now, retainUntil, suspendDoneAt: null }, { reason: step.reason });
      if (moved) followUp.suspend.push({ enforcementId: id, suspendedAt: now.toISOString() });
      return moved;
    }
    case "retain":
      return move(row, "suspended", "retained", {});
    case "await_deletion":
      // Deletion waits here for an operator's approval (/admin/billing) unless the policy switch is on (I6).
      return move(row, "retained", "pending_deletion", { pendingDeletionAt: now });
    case "delete":
      followUp.delete.push({ enforcementId: id, asOf: now.toISOString() });
      return false; // the deletion function moves the row once everything is gone
  }
}

async function move(
  row: EnforcementRow,
  from: BillingState,
  to: BillingState,
  data: Record<string, Date | null>,
  detail: Record<string, string> = {},
): Promise<boolean> {
  const moved = await transitionBilling({ enforcementId: row.id, from, to, data, actor: system, detail: { ...detail, episode: episodeOf(row) } });
  if (moved) {
    row.state = to;
    Object.assign(row, data);
  }
  return moved;
}

/** Applies every step due for one row, in ladder order (a long outage climbs several rungs at once). */
export async function advanceEnforcement(row: EnforcementRow, now: Date, config: LadderConfig, followUp: LadderFollowUp): Promise<number> {
  let applied = 0;
  for (let i = 0; i < 10; i++) {
    const step = nextLadderStep(row, now, config);
    if (!step) break;
    if (!(await applyStep(row, step, now, config, followUp))) break;
    applied++;
  }
  // A suspension still waiting on its VM: ask again (same event id, so at most one run, I3).
  if (row.state === "suspended" && !row.suspendDoneAt && row.suspendedAt && !followUp.suspend.some((s) => s.enforcementId === row.id)) {
    followUp.suspend.push({ enforcementId: row.id, suspendedAt: row.suspendedAt.toISOString() });
  }
  return applied;
}

export type TickResult = { due: number; applied: number } & LadderFollowUp;

/** One tick: select due rows in one pass, apply their steps, return the Proxmox follow-ups. */
export async function runLadderTick(now = new Date(), config = ladderConfig()): Promise<TickResult> {
  const rows = await findDueEnforcements(now, config);
  const followUp: LadderFollowUp = { suspend: [], delete: [] };
  let applied = 0;
  for (const row of rows) applied += await advanceEnforcement(row, now, config, followUp);
  return { due: rows.length, applied, ...followUp };
}

/** The same steps for one row, right after a Stripe signal moved it (the warning goes out in that run). */
export async function advanceEnforcementById(enforcementId: string, now = new Date(), config = ladderConfig()): Promise<LadderFollowUp> {
  const row = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId } });
  const followUp: LadderFollowUp = { suspend: [], delete: [] };
  await advanceEnforcement(row, now, config, followUp);
  return followUp;
}
