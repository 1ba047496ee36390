// The ladder tick (DESIGN §3 Enforcement): one SQL pass, built from the rungs of ladder.ts, finds
// every row with a step due on its own customer's billing clock (their test clock's frozen time in
// a rehearsal, real time otherwise; no Stripe call per row: Stripe's facts were stored when its
// signals came), then each due step is applied once. A step's email is queued before its
// conditional move, with a key per episode, so a re-run after a crash queues the same row and moves
// nothing twice (I3).
import { db } from "@/lib/db";
import { Prisma, type BillingState } from "@/lib/generated/prisma/client";
import { transitionBillingMany } from "@/lib/billing-state/billing-state";
import { episodeOf } from "@/lib/billing-state/apply-stripe-billing";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";
import {
  dueAt,
  ladderConfig,
  LADDER,
  nextLadderStep,
  OVERDUE_ENTRY,
  retainUntilFrom,
  rungNamed,
  type LadderConfig,
  type LadderRow,
  type LadderStep,
  type Rung,
} from "@/lib/billing-state/ladder";
import { queueBillingNotices } from "@/lib/billing-state/send-billing-notice";

export type EnforcementRow = LadderRow & { id: string; userId: string; orderId: string; lastActionAt: Date | null; clockNow: Date };

/** Work the tick hands to Inngest functions (Proxmox work never runs inside the tick, I2). */
export type LadderFollowUp = { suspend: Array<{ enforcementId: string; suspendedAt: string }>; delete: Array<{ enforcementId: string; asOf: string }> };

// A stop whose VM is not confirmed stopped after this long (real time: it is our infrastructure's
// delay, not the customer's) gets its request sent again; the same event id keeps it one run.
const SUSPEND_RESEND_AFTER_MS = 15 * 60_000;

const OVERDUE_SQL = Prisma.sql`(overdue_since IS NOT NULL OR end_reason = 'payment_failed')`;
const ENDED_BY_CUSTOMER_SQL = Prisma.sql`(overdue_since IS NULL AND end_reason IS DISTINCT FROM 'payment_failed' AND ended_at IS NOT NULL)`;
const latest = (column: Prisma.Sql) => Prisma.sql`GREATEST(${column}, COALESCE(grace_until, ${column}))`;

/** One rung as SQL over a row and its `clock_now`: the same conditions as ladder.ts's rungIsDue. */
export function rungCondition(rung: Rung, config: LadderConfig): Prisma.Sql {
  const parts = [Prisma.sql`state::text IN (${Prisma.join(rung.from)})`];
  if (rung.story === "overdue") parts.push(OVERDUE_SQL);
  if (rung.story === "ended_by_customer") parts.push(ENDED_BY_CUSTOMER_SQL);
  const due = rung.due;
  if ("when" in due) {
    parts.push(due.when === "vm_stopped" ? Prisma.sql`suspend_done_at IS NOT NULL` : Prisma.sql`(deletion_approved_at IS NOT NULL OR ${config.autoDelete})`);
  } else if (due.after === "overdue") {
    const base = Prisma.sql`(overdue_since + make_interval(hours => ${config[due.setting]}::int))`;
    parts.push(Prisma.sql`overdue_since IS NOT NULL AND ${latest(base)} <= clock_now`);
  } else {
    const column = due.after === "ended" ? Prisma.sql`ended_at` : Prisma.sql`retain_until`;
    parts.push(Prisma.sql`${column} IS NOT NULL AND ${latest(column)} <= clock_now`);
  }
  return Prisma.sql`(${Prisma.join(parts, " AND ")})`;
}

/** Every row with something due, each on its own customer's clock, in one query (bench/enforcement.ts measures it). */
export async function findDueEnforcements(now: Date, config: LadderConfig, opts: { limit?: number; userIds?: string[] } = {}): Promise<EnforcementRow[]> {
  const resendBefore = new Date(Date.now() - SUSPEND_RESEND_AFTER_MS);
  const conditions = [
    Prisma.sql`(state = ${OVERDUE_ENTRY.state}::"BillingState" AND warning_sent_at IS NULL)`,
    ...LADDER.map((rung) => rungCondition(rung, config)),
    Prisma.sql`(state IN ('suspended', 'ended') AND suspend_done_at IS NULL AND last_action_at <= ${resendBefore})`,
  ];
  const users = opts.userIds ? Prisma.sql`AND b.user_id IN (${Prisma.join(opts.userIds.length ? opts.userIds : [""])})` : Prisma.empty;
  const rows = await db.$queryRaw<Array<Omit<EnforcementRow, "state"> & { state: string }>>`
    WITH clocked AS (
      SELECT b.*, COALESCE(c.frozen_time, ${now}) AS clock_now
        FROM billing_enforcements b
        JOIN users u ON u.id = b.user_id
        LEFT JOIN billing_clocks c ON c.id = u.stripe_test_clock_id
       WHERE (b.state NOT IN ('active', 'deleted', 'superseded') OR b.ended_at IS NOT NULL) ${users}
    )
    SELECT id, user_id AS "userId", order_id AS "orderId", state::text AS state,
           overdue_since AS "overdueSince", ended_at AS "endedAt", end_reason AS "endReason", grace_until AS "graceUntil",
           warning_sent_at AS "warningSentAt", suspended_at AS "suspendedAt", suspend_done_at AS "suspendDoneAt",
           retain_until AS "retainUntil", deletion_approved_at AS "deletionApprovedAt", last_action_at AS "lastActionAt",
           clock_now AS "clockNow"
      FROM clocked
     WHERE state NOT IN ('deleted', 'superseded') AND (${Prisma.join(conditions, " OR ")})
     ORDER BY updated_at
     LIMIT ${opts.limit ?? 2_000}`;
  return rows.map((r) => ({ ...r, state: r.state as BillingState }));
}

/** Whether a stop was asked for long enough ago to ask again (what the tick's last condition selects). */
export const stopResendDue = (row: Pick<EnforcementRow, "state" | "suspendDoneAt" | "lastActionAt">, realNow = new Date()) =>
  (row.state === "suspended" || row.state === "ended") &&
  !row.suspendDoneAt &&
  !!row.lastActionAt &&
  row.lastActionAt.getTime() <= realNow.getTime() - SUSPEND_RESEND_AFTER_MS;

const system = { type: "system" as const };

/**
 * One rung for many rows: every row's next step is computed on its own clock, rows are grouped by
 * step and clock time, and each group is applied with a handful of statements (notices queued in
 * one insert-or-skip, one conditional update, one audit insert). Returns the rows that changed
 * (moved, or warned), which the next round looks at again.
 */
async function applyRound(rows: EnforcementRow[], config: LadderConfig, followUp: LadderFollowUp): Promise<EnforcementRow[]> {
  const groups = new Map<string, { step: LadderStep; now: Date; rows: EnforcementRow[] }>();
  for (const row of rows) {
    const step = nextLadderStep(row, row.clockNow, config);
    if (!step) continue;
    const key = `${step.kind}@${row.clockNow.getTime()}`;
    const group = groups.get(key) ?? { step, now: row.clockNow, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  const moved: EnforcementRow[] = [];
  for (const { step, now, rows: list } of groups.values()) {
    const byId = new Map(list.map((r) => [r.id, r]));
    const ids = list.map((r) => r.id);
    const detailFor = (id: string) => ({ episode: episodeOf(byId.get(id)!), clock: now.toISOString() });
    if (step.kind === "warn") {
      // Queued before the move, keyed per episode: a crash between the two re-queues the same row (I3).
      const nextAt = (r: EnforcementRow) => dueAt(rungNamed("suspend"), r, config);
      await queueBillingNotices(list.map((r) => ({ ...noticeOf(r), kind: OVERDUE_ENTRY.notice, nextAt: nextAt(r) })));
      const rowsMoved = await db.billingEnforcement.updateManyAndReturn({
        where: { id: { in: ids }, warningSentAt: null, state: OVERDUE_ENTRY.state },
        data: { warningSentAt: now },
        select: { id: true },
      });
      if (rowsMoved.length) {
        await db.auditEvent.createMany({
          data: rowsMoved.map(({ id }) => ({
            actorType: "system",
            action: "billing.warning_sent",
            subjectType: "billing",
            subjectId: id,
            data: detailFor(id),
          })),
        });
      }
      for (const { id } of rowsMoved) {
        Object.assign(byId.get(id)!, { warningSentAt: now });
        moved.push(byId.get(id)!);
      }
      continue;
    }
    const { rung } = step;
    if (rung.followUp === "delete") {
      // The deletion function moves the row once everything is gone.
      for (const id of ids) followUp.delete.push({ enforcementId: id, asOf: now.toISOString() });
      continue;
    }
    const stops = rung.followUp === "stop";
    const retainUntil = retainUntilFrom(now, config);
    if (rung.notice) {
      const nextAt = (r: EnforcementRow) => (stops ? retainUntil : dueAt(rungNamed("suspend"), r, config));
      await queueBillingNotices(list.map((r) => ({ ...noticeOf(r), kind: rung.notice!, nextAt: nextAt(r) })));
    }
    const data: Record<string, Date | null> = {
      ...(rung.column ? { [rung.column]: now } : {}),
      ...(stops ? { retainUntil, suspendDoneAt: null } : {}),
    };
    const done = await transitionBillingMany({ ids, from: rung.from, to: rung.to, data, actor: system, detailFor });
    for (const id of done) {
      const row = byId.get(id)!;
      Object.assign(row, data, { state: rung.to });
      if (stops) followUp.suspend.push({ enforcementId: id, suspendedAt: now.toISOString() });
      moved.push(row);
    }
  }
  return moved;
}

const noticeOf = (r: EnforcementRow) => ({ enforcementId: r.id, userId: r.userId, orderId: r.orderId, episode: episodeOf(r) });

/** Applies every step due for these rows, in ladder order (a long outage climbs several rungs at once). */
export async function advanceEnforcements(rows: EnforcementRow[], config: LadderConfig, followUp: LadderFollowUp): Promise<number> {
  let applied = 0;
  let pending = rows;
  for (let round = 0; round < LADDER.length + 2 && pending.length; round++) {
    pending = await applyRound(pending, config, followUp);
    applied += pending.length;
  }
  // A stop still waiting on its VM: ask again (same event id, so at most one run, I3).
  for (const row of rows) {
    if (stopResendDue(row) && row.suspendedAt && !followUp.suspend.some((x) => x.enforcementId === row.id)) {
      followUp.suspend.push({ enforcementId: row.id, suspendedAt: row.suspendedAt.toISOString() });
    }
  }
  return applied;
}

export type TickResult = { due: number; applied: number } & LadderFollowUp;

/** One tick: select due rows in one pass (each on its customer's clock), apply their steps, return the Proxmox follow-ups. */
export async function runLadderTick(now = new Date(), config = ladderConfig(), opts: { userIds?: string[] } = {}): Promise<TickResult> {
  const rows = await findDueEnforcements(now, config, opts);
  const followUp: LadderFollowUp = { suspend: [], delete: [] };
  const applied = await advanceEnforcements(rows, config, followUp);
  return { due: rows.length, applied, ...followUp };
}

/** The same steps for one row, right after a Stripe signal moved it (the warning goes out in that run). */
export async function advanceEnforcementById(enforcementId: string, now?: Date, config = ladderConfig()): Promise<LadderFollowUp & { applied: number }> {
  const row = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId } });
  const clockNow = now ?? (await billingNowForUser(row.userId));
  const followUp: LadderFollowUp = { suspend: [], delete: [] };
  const applied = await advanceEnforcements([{ ...row, clockNow }], config, followUp);
  return { ...followUp, applied };
}
