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
export const orderPaid = eventType("order/paid", { schema: z.object({ orderId: z.string(), attempt: z.number().int().min(1) }) });

/**
 * A Stripe signal about a subscription (its own or one of its invoices'), resolved to the
 * subscription id so the mirror can be written by one run at a time per subscription.
 */
export const subscriptionSyncRequested = eventType("billing/subscription.sync-requested", {
  schema: z.object({ subscriptionId: z.string(), stripeEventId: z.string() }),
});

/**
 * A card signal (customer.updated, setup_intent.succeeded) resolved to its Stripe customer, so the
 * card update is applied by one run at a time per customer (inngest/functions/card-update-apply.ts).
 */
export const cardUpdateRequested = eventType("billing/card.update-requested", {
  schema: z.object({ customerId: z.string(), stripeEventId: z.string() }),
});

/** A customer asked for a power action; the request row holds the intent. */
export const vmPowerRequested = eventType("vm/power.requested", { schema: z.object({ powerRequestId: z.string(), vmId: z.string() }) });

/** A provisioning attempt failed for good: undo what it created (lib/provisioning/compensate.ts). */
export const orderCleanupRequested = eventType("order/cleanup.requested", {
  schema: z.object({ orderId: z.string(), attempt: z.number().int().min(1), error: z.string() }),
});

/**
 * A resize's payment is confirmed (re-read from Stripe): apply it to the VM. The id is the request
 * id and its apply attempt, so every confirmation of one payment starts one run (I3).
 */
export const resizeApplyRequested = eventType("vm/resize.apply-requested", {
  schema: z.object({ resizeRequestId: z.string(), vmId: z.string(), attempt: z.number().int().min(1) }),
});

/** The ladder suspended a subscription: stop its VM (graceful, then hard), onboot off, consoles closed. */
export const billingSuspendRequested = eventType("billing/vm.suspend-requested", {
  schema: z.object({ enforcementId: z.string(), suspendedAt: z.string() }),
});

/** The nightly reconcile fans out: one run per subscription to re-read (billing-reconcile). */
export const billingReconcileRequested = eventType("billing/subscription.reconcile-requested", {
  schema: z.object({ subscriptionId: z.string() }),
});

/** A paid invoice lifted a suspension: start the VM again under RESTORE_POWER (I7). */
export const billingRestoreRequested = eventType("billing/vm.restore-requested", {
  schema: z.object({ enforcementId: z.string(), episode: z.string().nullable() }),
});

/** Retention over and deletion approved (or the policy switch on): remove the VM and all it owns. */
export const billingDeleteRequested = eventType("billing/vm.delete-requested", {
  // `asOf`: the tick's clock, against which the retention window is checked again.
  schema: z.object({ enforcementId: z.string(), asOf: z.string() }),
});

/** A customer's snapshot or backup operation (the VmOperation row holds the intent), or a scheduled backup. */
export const vmOperationRequested = eventType("vm/operation.requested", { schema: z.object({ operationId: z.string(), vmId: z.string() }) });

/** A rebuild (reinstall) of a VM: its own function, with provisioning's steps and budgets. */
export const rebuildRequested = eventType("vm/rebuild.requested", { schema: z.object({ operationId: z.string(), vmId: z.string() }) });
/** A failed build's refund date came (or the operator asked): cancel and refund it in full (I11). */
export const orderRefundRequested = eventType("order/refund-requested", { schema: z.object({ orderId: z.string() }) });
export const orderRefundEventId = (orderId: string) => `order-refund-${orderId}`;

/** A test clock is ready at a new time: run the ladder for the accounts on it (a billing rehearsal). */
export const testClockReady = stripeSignals["test_helpers.test_clock.ready"];

/** A restore order is paid (confirmed against Stripe): attach its subscription to the kept VM and start it. */
export const vmRestoreRequested = eventType("vm/restore.requested", { schema: z.object({ orderId: z.string() }) });
export const vmRestoreEventId = (orderId: string) => `vm-restore-${orderId}`;
/**
 * A customer's verified new email address replaced the old one: each of their VMs' Access policy
 * must admit the new address only (lib/access/vm-access.ts). Id: the user and the change's time.
 */
export const userEmailChanged = eventType("user/email.changed", { schema: z.object({ userId: z.string(), changedAt: z.string() }) });

/**
 * A VM's firewall must be brought to what the database says (a customer's rule change, a peer's
 * address in the bridge fallback, reconciliation): one run at a time per VM (issue 26).
 */
export const vmFirewallSyncRequested = eventType("vm/firewall.sync-requested", { schema: z.object({ vmId: z.string(), reason: z.string() }) });

// Drift reconciliation (issue 22, lib/reconcile): run now from /admin/reconcile; apply one finding.
export const reconcileRequested = eventType("reconcile/run-requested", { schema: z.object({ adminId: z.string() }) });
export const reconcileApplyRequested = eventType("reconcile/finding.apply-requested", { schema: z.object({ findingId: z.string() }) });

/** A hold was placed on a VM (abuse, a disputed payment, a fraud warning): stop it (lib/vm-holds). */
export const vmHoldPlaced = eventType("vm/hold.placed", { schema: z.object({ holdId: z.string(), vmId: z.string() }) });

/** A hold was lifted: resume what it paused; the VM stays stopped for its owner to start. */
export const vmHoldLifted = eventType("vm/hold.lifted", { schema: z.object({ holdId: z.string(), vmId: z.string() }) });
