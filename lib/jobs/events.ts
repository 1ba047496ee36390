// Every event the product sends or reacts to, with its payload schema. Stripe events are
// forwarded from the webhook's outbox as `stripe/<type>` carrying only ids: handlers re-read the
// object from Stripe before acting (DESIGN §3), so a replayed or stale event is harmless.
import { eventType, type EventType } from "inngest";
import { z } from "zod";
import { handledStripeEventTypes, type HandledStripeEventType } from "@/lib/billing/stripe-event-types";

export const stripeSignal = z.object({
  stripeEventId: z.string(),
  type: z.string(),
  objectId: z.string(),
  created: z.number(),
});
export type StripeSignal = z.infer<typeof stripeSignal>;

export const stripeEventName = <T extends string>(type: T) => `stripe/${type}` as const;

/**
 * An event type that builds its own idempotency id: `orderPaid.once({ orderId, attempt })` is the
 * event to send, `orderPaid.idOf(...)` its id alone (the admin timeline looks runs up by it).
 * Inngest keeps one event per id, so a re-send of the same fact starts nothing new (I3). The id
 * strings must never change: events already sent under the old format would run again (the
 * formats are pinned in lib/jobs/events.test.ts). Extra arguments after the data are id parts
 * that are not in the payload (a restart time, a parent run's event id).
 */
function keyed<E extends { create: (data: never, options: { id: string }) => unknown }, A extends unknown[] = []>(
  type: E,
  idOf: (data: Parameters<E["create"]>[0], ...key: A) => string,
) {
  const create = type.create as (data: Parameters<E["create"]>[0], options: { id: string }) => ReturnType<E["create"]>;
  const once = (data: Parameters<E["create"]>[0], ...key: A) => create.call(type, data, { id: idOf(data, ...key) });
  return Object.assign(type, { idOf, once });
}

type StripeSignalEvent<T extends HandledStripeEventType> = EventType<`stripe/${T}`, typeof stripeSignal>;

/**
 * One typed event per Stripe type the webhook forwards, derived from the catalogue
 * (lib/billing/stripe-event-types.ts) so a type added there is typed here with nothing to forget.
 * The catalogue module has no imports, so lib/ may import this file without a cycle.
 */
export const stripeSignals = Object.fromEntries(handledStripeEventTypes.map((type) => [type, eventType(stripeEventName(type), { schema: stripeSignal })])) as {
  [T in HandledStripeEventType]: StripeSignalEvent<T>;
};

/** The typed triggers for a list of forwarded types (one event type per Stripe type). */
export function stripeSignalsFor<T extends HandledStripeEventType>(types: readonly T[]): Array<{ [K in T]: StripeSignalEvent<K> }[T]> {
  return types.map((type) => stripeSignals[type]);
}

export const checkoutCompleted = stripeSignals["checkout.session.completed"];
export const checkoutAsyncSucceeded = stripeSignals["checkout.session.async_payment_succeeded"];
export const checkoutExpired = stripeSignals["checkout.session.expired"];

/** Money confirmed for an order; starts (or, with a higher attempt, retries) provisioning. */
export const orderPaid = keyed(
  eventType("order/paid", { schema: z.object({ orderId: z.string(), attempt: z.number().int().min(1) }) }),
  (d) => `order-paid-${d.orderId}-${d.attempt}`,
);

/**
 * A Stripe signal about a subscription (its own or one of its invoices'), resolved to the
 * subscription id so the mirror can be written by one run at a time per subscription.
 */
export const subscriptionSyncRequested = keyed(
  eventType("billing/subscription.sync-requested", { schema: z.object({ subscriptionId: z.string(), stripeEventId: z.string() }) }),
  (d) => `subscription-sync-${d.stripeEventId}`,
);

/**
 * A card signal (customer.updated, setup_intent.succeeded) resolved to its Stripe customer, so the
 * card update is applied by one run at a time per customer (inngest/functions/card-update-apply.ts).
 */
export const cardUpdateRequested = keyed(
  eventType("billing/card.update-requested", { schema: z.object({ customerId: z.string(), stripeEventId: z.string() }) }),
  (d) => `card-update-${d.stripeEventId}`,
);

/** A customer asked for a power action; the request row holds the intent. */
export const vmPowerRequested = keyed(
  eventType("vm/power.requested", { schema: z.object({ powerRequestId: z.string(), vmId: z.string() }) }),
  (d) => d.powerRequestId,
);

/** A provisioning attempt failed for good: undo what it created (lib/provisioning/compensate.ts). */
export const orderCleanupRequested = keyed(
  eventType("order/cleanup.requested", { schema: z.object({ orderId: z.string(), attempt: z.number().int().min(1), error: z.string() }) }),
  // An operator's restart of an overdue cleanup is a new request: its time makes a new id.
  (d, restartedAt?: Date) => `order-cleanup-${d.orderId}-${d.attempt}${restartedAt ? `-${restartedAt.getTime()}` : ""}`,
);

/**
 * A resize's payment is confirmed (re-read from Stripe): apply it to the VM. The id is the request
 * id and its apply attempt, so every confirmation of one payment starts one run (I3).
 */
export const resizeApplyRequested = keyed(
  eventType("vm/resize.apply-requested", { schema: z.object({ resizeRequestId: z.string(), vmId: z.string(), attempt: z.number().int().min(1) }) }),
  (d) => `resize-apply-${d.resizeRequestId}-${d.attempt}`,
);

/** The ladder suspended a subscription: stop its VM (graceful, then hard), onboot off, consoles closed. */
export const billingSuspendRequested = keyed(
  eventType("billing/vm.suspend-requested", { schema: z.object({ enforcementId: z.string(), suspendedAt: z.string() }) }),
  (d) => `billing-suspend-${d.enforcementId}-${d.suspendedAt}`,
);

/** The nightly reconcile fans out: one run per subscription to re-read (billing-reconcile). */
export const billingReconcileRequested = keyed(
  eventType("billing/subscription.reconcile-requested", { schema: z.object({ subscriptionId: z.string() }) }),
  // One id per subscription and nightly run (the cron event's id): a replayed batch is stored once.
  (d, nightlyEventId: string) => `reconcile-${nightlyEventId}-${d.subscriptionId}`,
);

/** A paid invoice lifted a suspension: start the VM again under RESTORE_POWER (I7). */
export const billingRestoreRequested = keyed(
  eventType("billing/vm.restore-requested", { schema: z.object({ enforcementId: z.string(), episode: z.string().nullable() }) }),
  (d) => `billing-restore-${d.enforcementId}-${d.episode ?? "none"}`,
);

/** Retention over and deletion approved (or the policy switch on): remove the VM and all it owns. */
export const billingDeleteRequested = keyed(
  // `asOf`: the tick's clock, against which the retention window is checked again.
  eventType("billing/vm.delete-requested", { schema: z.object({ enforcementId: z.string(), asOf: z.string() }) }),
  (d) => `billing-delete-${d.enforcementId}`,
);

/** A customer's snapshot or backup operation (the VmOperation row holds the intent), or a scheduled backup. */
export const vmOperationRequested = keyed(
  eventType("vm/operation.requested", { schema: z.object({ operationId: z.string(), vmId: z.string() }) }),
  (d) => d.operationId,
);

/** A rebuild (reinstall) of a VM: its own function, with provisioning's steps and budgets. */
export const rebuildRequested = keyed(
  eventType("vm/rebuild.requested", { schema: z.object({ operationId: z.string(), vmId: z.string() }) }),
  (d) => d.operationId,
);
/** A failed build's refund date came (or the operator asked): cancel and refund it in full (I11). */
export const orderRefundRequested = keyed(
  eventType("order/refund-requested", { schema: z.object({ orderId: z.string() }) }),
  (d) => `order-refund-${d.orderId}`,
);

/** A test clock is ready at a new time: run the ladder for the accounts on it (a billing rehearsal). */
export const testClockReady = stripeSignals["test_helpers.test_clock.ready"];

/** A restore order is paid (confirmed against Stripe): attach its subscription to the kept VM and start it. */
export const vmRestoreRequested = keyed(eventType("vm/restore.requested", { schema: z.object({ orderId: z.string() }) }), (d) => `vm-restore-${d.orderId}`);
/**
 * A customer's verified new email address replaced the old one: each of their VMs' Access policy
 * must admit the new address only (lib/access/vm-access.ts). Id: the user and the change's time.
 */
export const userEmailChanged = keyed(
  eventType("user/email.changed", { schema: z.object({ userId: z.string(), changedAt: z.string() }) }),
  (d) => `user-email-changed-${d.userId}-${new Date(d.changedAt).getTime()}`,
);

/**
 * A VM's firewall must be brought to what the database says (a customer's rule change, a peer's
 * address in the bridge fallback, reconciliation): one run at a time per VM (issue 26).
 */
export const vmFirewallSyncRequested = keyed(
  eventType("vm/firewall.sync-requested", { schema: z.object({ vmId: z.string(), reason: z.string() }) }),
  // Why it is asked decides what counts as the same request: a rule change (its revision), a peer
  // VM's address going away (that VM and the time), or a reconcile pass (its 15-minute window).
  (d, key: FirewallSyncKey) =>
    "revision" in key
      ? `vm-firewall-${d.vmId}-r${key.revision}`
      : "peersOf" in key
        ? `vm-firewall-peers-${d.vmId}-${key.peersOf}-${key.at}`
        : `vm-firewall-reconcile-${d.vmId}-${key.window}`,
);
type FirewallSyncKey = { revision: number } | { peersOf: string; at: number } | { window: number };

// Drift reconciliation (issue 22, lib/reconcile): run now from /admin/reconcile; apply one finding.
export const reconcileRequested = eventType("reconcile/run-requested", { schema: z.object({ adminId: z.string() }) });
export const reconcileApplyRequested = keyed(
  eventType("reconcile/finding.apply-requested", { schema: z.object({ findingId: z.string() }) }),
  (d) => `reconcile-apply-${d.findingId}`,
);

/** A hold was placed on a VM (abuse, a disputed payment, a fraud warning): stop it (lib/vm-holds). */
export const vmHoldPlaced = keyed(
  eventType("vm/hold.placed", { schema: z.object({ holdId: z.string(), vmId: z.string() }) }),
  (d) => `vm-hold-placed-${d.holdId}`,
);

/** A hold was lifted: resume what it paused; the VM stays stopped for its owner to start. */
export const vmHoldLifted = keyed(
  eventType("vm/hold.lifted", { schema: z.object({ holdId: z.string(), vmId: z.string() }) }),
  (d) => `vm-hold-lifted-${d.holdId}`,
);
