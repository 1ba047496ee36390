// A downgrade (less CPU or RAM) costs nothing now and takes effect at the next renewal, so the
// customer keeps what they paid for until then and is not credited for it (DESIGN §3 Resize).
// Stripe does the timing: a subscription schedule made from the subscription
// (`subscriptionSchedules.create({ from_subscription })` — no other parameter may be set with it,
// stripe-node's SubscriptionScheduleCreateParams), then updated to two phases: the current one
// unchanged until the period ends, then the smaller items (`proration_behavior: none`: no money
// moves at the switch). The VM changes only after that renewal's invoice is paid, read back from
// Stripe (I1); then the schedule is released, because a schedule-managed subscription refuses
// direct cancellation changes ("…updating any cancelation behavior directly is not allowed") and
// would overwrite a later upgrade at its next phase.
import { recordAudit } from "@/lib/audit/record-audit";
import { stripe, type Stripe } from "@/lib/billing/stripe";
import { idOf } from "@/lib/billing/sync-subscription";
import { db } from "@/lib/db";
import type { ResizeRequest } from "@/lib/generated/prisma/client";
import type { TargetItems } from "@/lib/resize/quote-resize";
import { transitionResize } from "@/lib/resize/resize-state";

type Request = Pick<ResizeRequest, "id" | "vmId" | "userId" | "stripeSubscriptionId" | "stripeScheduleId" | "targetItems" | "createdAt">;

export const SCHEDULE_REFUSED_MESSAGE = "We couldn't schedule this change with our payment provider. Nothing was changed; please try again later.";

const isStripe4xx = (error: unknown) => {
  const code = (error as Stripe.errors.StripeError).statusCode;
  return code !== undefined && code >= 400 && code < 500 && code !== 429;
};

/** Ours when its metadata names this request; also an unnamed one made after the request opened (our create whose update was lost). */
function isScheduleOf(schedule: Stripe.SubscriptionSchedule, request: Request): boolean {
  const named = schedule.metadata?.resizeRequestId;
  return named ? named === request.id : schedule.phases.length === 1 && schedule.created * 1000 >= request.createdAt.getTime() - 60_000;
}

/**
 * Puts the downgrade on the subscription's schedule at Stripe (idempotent: a re-run adopts the
 * schedule it made). Returns the schedule, or throws: a Stripe refusal (4xx) closes the request.
 */
export async function scheduleDowngrade(request: Request): Promise<Stripe.SubscriptionSchedule> {
  const client = stripe();
  try {
    const subscription = await client.subscriptions.retrieve(request.stripeSubscriptionId);
    let schedule: Stripe.SubscriptionSchedule;
    const attached = idOf(subscription.schedule);
    if (attached) {
      schedule = await client.subscriptionSchedules.retrieve(attached);
      if (!isScheduleOf(schedule, request)) throw new ForeignScheduleError(attached);
      if (schedule.metadata?.resizeRequestId === request.id) return await recordSchedule(request, schedule);
    } else {
      schedule = await client.subscriptionSchedules.create({ from_subscription: subscription.id }, { idempotencyKey: `resize-${request.id}-schedule` });
    }
    const current = schedule.phases[0];
    const target = request.targetItems as unknown as TargetItems;
    const updated = await client.subscriptionSchedules.update(
      schedule.id,
      {
        end_behavior: "release",
        proration_behavior: "none",
        metadata: { resizeRequestId: request.id },
        phases: [
          {
            items: current.items.map((item) => ({ price: idOf(item.price), quantity: item.quantity ?? 1 })),
            start_date: current.start_date,
            end_date: current.end_date,
            proration_behavior: "none",
          },
          {
            items: target.expected.map((item) => ({ price: item.priceId, quantity: item.quantity })),
            duration: { interval: "month", interval_count: 1 },
            proration_behavior: "none",
            metadata: { resizeRequestId: request.id },
          },
        ],
      },
      { idempotencyKey: `resize-${request.id}-phases` },
    );
    return await recordSchedule(request, updated);
  } catch (error) {
    if (error instanceof ForeignScheduleError || isStripe4xx(error)) {
      const reason = error instanceof ForeignScheduleError ? error.message : `subscription schedule refused: ${(error as Error).message}`;
      await transitionResize(request.id, "scheduled", "canceled", { finishedAt: new Date(), failureReason: reason, customerMessage: SCHEDULE_REFUSED_MESSAGE });
    }
    throw error;
  }
}

class ForeignScheduleError extends Error {
  constructor(scheduleId: string) {
    super(`the subscription already has a schedule we did not make (${scheduleId}): an operator must release it first`);
  }
}

async function recordSchedule(request: Request, schedule: Stripe.SubscriptionSchedule) {
  const effectiveAt = new Date(schedule.phases[0].end_date * 1000);
  await db.resizeRequest.updateMany({ where: { id: request.id, status: "scheduled" }, data: { stripeScheduleId: schedule.id, effectiveAt } });
  return schedule;
}

/** Whether Stripe already moved the subscription to the smaller items (the renewal passed). */
export function downgradeTookEffect(schedule: Stripe.SubscriptionSchedule): boolean {
  const next = schedule.phases[1];
  if (schedule.status !== "active" || !next || !schedule.current_phase) return false;
  return schedule.current_phase.start_date >= next.start_date;
}

export type CancelDowngradeOutcome = "canceled" | "took_effect" | "not_open";

/**
 * Releases the downgrade's schedule at Stripe before the renewal, then closes the request. Refused
 * (took_effect) once Stripe switched the items: the smaller size is then what is being billed.
 */
export async function cancelScheduledDowngrade(
  request: Request,
  actor: { type: "customer" | "system"; id?: string },
  customerMessage: string,
): Promise<CancelDowngradeOutcome> {
  const row = await db.resizeRequest.findUnique({ where: { id: request.id }, select: { status: true, stripeScheduleId: true } });
  if (row?.status !== "scheduled") return "not_open";
  const client = stripe();
  const subscription = await client.subscriptions.retrieve(request.stripeSubscriptionId);
  const attached = idOf(subscription.schedule);
  if (attached) {
    const schedule = await client.subscriptionSchedules.retrieve(attached);
    if (isScheduleOf(schedule, request)) {
      if (downgradeTookEffect(schedule)) return "took_effect";
      await client.subscriptionSchedules.release(schedule.id, {}, { idempotencyKey: `resize-${request.id}-release` });
    }
  }
  const moved = await transitionResize(request.id, "scheduled", "canceled", { finishedAt: new Date(), customerMessage });
  if (moved) await recordAudit(actor, "vm.resize_canceled", { type: "vm", id: request.vmId }, { resizeRequestId: request.id, scheduleId: attached });
  return moved ? "canceled" : "not_open";
}

export const CANCELED_BY_CUSTOMER_MESSAGE = "You canceled this change. Your VM keeps its size and price.";

/** The owner withdraws their scheduled downgrade. null when it is not theirs (404). */
export async function cancelDowngradeForCustomer(userId: string, resizeRequestId: string): Promise<CancelDowngradeOutcome | null> {
  const request = await db.resizeRequest.findFirst({ where: { id: resizeRequestId, userId, kind: "downgrade" } });
  return request ? cancelScheduledDowngrade(request, { type: "customer", id: userId }, CANCELED_BY_CUSTOMER_MESSAGE) : null;
}

/** Releases the schedule once the downgrade is paid (the subscription is ours to change again). */
export async function releaseDowngradeSchedule(request: Request): Promise<void> {
  const client = stripe();
  const subscription = await client.subscriptions.retrieve(request.stripeSubscriptionId);
  const attached = idOf(subscription.schedule);
  if (!attached || attached !== request.stripeScheduleId) return;
  await client.subscriptionSchedules.release(attached, {}, { idempotencyKey: `resize-${request.id}-release` });
}

/** The open (not yet effective) downgrade of a subscription, if any. */
export function findScheduledDowngrade(stripeSubscriptionId: string) {
  return db.resizeRequest.findFirst({ where: { stripeSubscriptionId, kind: "downgrade", status: "scheduled" } });
}
