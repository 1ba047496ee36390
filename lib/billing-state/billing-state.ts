// The billing state machine (DESIGN §3 Enforcement, I6): the one module that moves
// `billing_enforcements.state`. Every move is a conditional update (`where state in from`), so of
// any number of concurrent writers exactly one moves a row, and that one writes the audit event in
// the same transaction.
import { recordAudit, type AuditActor } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import type { BillingState, Prisma } from "@/lib/generated/prisma/client";
import { defineStateMachine } from "@/lib/state/state-machine";
import { raiseOperatorAlert, resolveOperatorIncident } from "@/lib/alerts/raise-operator-alert";

export const BILLING_STATES = [
  "active",
  "canceled_at_period_end",
  "past_due",
  "final_warning",
  "backups_blocked",
  "suspended",
  "retained",
  "pending_deletion",
  "deleted",
  "ended",
  "superseded",
] as const satisfies readonly BillingState[];

/** States in which the subscription is owed money but the VM still runs. */
export const OVERDUE_STATES = ["past_due", "final_warning", "backups_blocked"] as const satisfies readonly BillingState[];
/** States in which the VM is stopped and kept (I6): nothing automatic starts it. */
export const SUSPENDED_STATES = ["suspended", "retained", "pending_deletion"] as const satisfies readonly BillingState[];
/** Every state in which the VM is stopped by its billing (either story) and its data kept. */
export const STOPPED_STATES = [...SUSPENDED_STATES, "ended"] as const satisfies readonly BillingState[];
/** States that a paid invoice lifts at once (I7), in the overdue story. */
export const RESTORABLE_STATES = [...OVERDUE_STATES, ...SUSPENDED_STATES] as const;
/** States whose VM may be restored under a new subscription while its data is kept (issue 16). */
export const KEPT_STATES = ["ended", "retained", "pending_deletion"] as const satisfies readonly BillingState[];

const live = ["active", "canceled_at_period_end"] as const;

export const billingMachine = defineStateMachine<BillingState>("billing", {
  active: ["canceled_at_period_end", "past_due", "ended"],
  canceled_at_period_end: ["active", "past_due", "ended"],
  past_due: ["final_warning", ...live],
  final_warning: ["backups_blocked", ...live],
  backups_blocked: ["suspended", ...live],
  // Retained once the VM is confirmed stopped; payment restores from any of these (I7).
  suspended: ["retained", "superseded", ...live],
  // The customer's own cancellation took effect: stopped, then kept (or restored under a new subscription).
  ended: ["retained", "superseded"],
  retained: ["pending_deletion", "superseded", ...live],
  // An operator's extend-grace puts a row awaiting deletion back to retained.
  pending_deletion: ["deleted", "retained", "superseded", ...live],
  deleted: [],
  superseded: [],
});

export type BillingTransition = {
  enforcementId: string;
  from: BillingState | readonly BillingState[];
  to: BillingState;
  data?: Omit<Prisma.BillingEnforcementUpdateManyMutationInput, "state">;
  actor: AuditActor;
  /** Audit detail (ids, dates); never Proxmox text. */
  detail?: Prisma.InputJsonObject;
};

/** Moves one row; false when it was no longer in `from` (another writer moved it first). */
export async function transitionBilling(t: BillingTransition): Promise<boolean> {
  const sources = billingMachine.sources(t.from as BillingState | BillingState[], t.to);
  const now = new Date();
  return db.$transaction(async (tx) => {
    const rows = await tx.billingEnforcement.updateManyAndReturn({
      where: { id: t.enforcementId, state: { in: sources } },
      data: { ...t.data, state: t.to, lastAction: `state:${t.to}`, lastActionAt: now },
      select: { id: true },
    });
    if (rows.length !== 1) return false;
    // The previous state is not returned by the update; `from` names every state it may have been.
    await recordAudit(t.actor, `billing.state_${t.to}`, { type: "billing", id: t.enforcementId }, { from: sources, to: t.to, ...t.detail }, tx);
    return true;
  });
}

/** Records what an enforcement run did (or refused) without moving the state. */
export async function recordBillingAction(enforcementId: string, action: string, actor: AuditActor, detail: Prisma.InputJsonObject = {}) {
  await db.$transaction(async (tx) => {
    await tx.billingEnforcement.update({ where: { id: enforcementId }, data: { lastAction: action, lastActionAt: new Date(), lastError: null } });
    await recordAudit(actor, `billing.${action}`, { type: "billing", id: enforcementId }, detail, tx);
  });
  // The failure (if any) is over: a later one is a new incident.
  await resolveOperatorIncident("enforcement_failure", enforcementId);
}

/**
 * An enforcement run (suspend, restore, delete) gave up after its retries: kept on the row for
 * /admin/billing ("last enforcement failure") and audited. The next run that succeeds clears it.
 */
export async function recordEnforcementFailure(enforcementId: string, run: string, message: string) {
  const lastError = `${run}: ${message}`.slice(0, 1000);
  await db.$transaction(async (tx) => {
    const { count } = await tx.billingEnforcement.updateMany({
      where: { id: enforcementId },
      data: { lastError, lastAction: `${run}_failed`, lastActionAt: new Date() },
    });
    if (count === 1) await recordAudit({ type: "system" }, "billing.enforcement_failed", { type: "billing", id: enforcementId }, { run, error: lastError }, tx);
  });
  // Issue 22: the operator hears of it once per incident (until an enforcement run succeeds again).
  await raiseOperatorAlert({
    kind: "enforcement_failure",
    subject: enforcementId,
    title: `Billing enforcement failed: ${run} (enforcement ${enforcementId})`,
    detail: lastError,
    link: "/admin/billing",
  });
}

/**
 * The same move for many rows in one statement (the ladder tick): returns the ids that moved, and
 * writes their audit events in the same transaction. Rows no longer in `from` are left alone.
 */
export async function transitionBillingMany(
  t: Omit<BillingTransition, "enforcementId"> & { ids: string[]; detailFor?: (id: string) => Prisma.InputJsonObject },
): Promise<string[]> {
  if (t.ids.length === 0) return [];
  const sources = billingMachine.sources(t.from as BillingState | BillingState[], t.to);
  const now = new Date();
  return db.$transaction(async (tx) => {
    const rows = await tx.billingEnforcement.updateManyAndReturn({
      where: { id: { in: t.ids }, state: { in: sources } },
      data: { ...t.data, state: t.to, lastAction: `state:${t.to}`, lastActionAt: now },
      select: { id: true },
    });
    const moved = rows.map((r) => r.id);
    if (moved.length) {
      await tx.auditEvent.createMany({
        data: moved.map((id) => ({
          actorType: t.actor.type,
          actorId: t.actor.id ?? null,
          action: `billing.state_${t.to}`,
          subjectType: "billing",
          subjectId: id,
          data: { from: sources, to: t.to, ...t.detail, ...t.detailFor?.(id) },
        })),
      });
    }
    return moved;
  });
}
