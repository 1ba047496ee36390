// What the clock does to a schedule. At a billing period end where the current phase ends
// (renewal.ts calls this before building the renewal invoice): the next phase is entered, so the
// renewal bills its items — a downgrade costs less from that renewal on. After the last phase,
// `end_behavior: release` releases the subscription, which renews on as it is; `cancel` has set
// the subscription's `cancel_at` to that moment, so the same renewal cancels it instead and the
// schedule is `completed`. A subscription canceled any other way leaves its schedule `canceled`.
import type Stripe from "stripe";
import { EventLog } from "./events";
import { isSteering, type Phase, scheduleIdOf } from "./objects/schedule";
import { enterPhase, releaseSchedule } from "./schedules";
import { clone } from "./store";
import type { SimContext } from "./types";

/** Moves a schedule whose current phase ends now (the period end) to its next phase, or ends it. */
export function advanceScheduleAtPeriodEnd(ctx: SimContext, sub: Stripe.Subscription) {
  const schedule = steeringSchedule(ctx, sub);
  const current = schedule?.current_phase;
  if (!schedule || !current || current.end_date > ctx.clock.now()) return;
  const next = nextPhase(schedule, current.end_date);
  if (!next) {
    if (schedule.end_behavior === "release") releaseSchedule(ctx, schedule);
    return;
  }
  ctx.events.update("subscription_schedule.updated", schedule, () => {
    schedule.current_phase = { start_date: next.start_date, end_date: next.end_date };
  });
  ctx.events.update("customer.subscription.updated", sub, () => enterPhase(ctx, sub, next));
}

/** The phase a subscription will enter at `at` (its period end), for renewal previews. */
export function phaseEnteredAt(ctx: SimContext, sub: Stripe.Subscription, at: number): Phase | undefined {
  const schedule = steeringSchedule(ctx, sub);
  if (!schedule?.current_phase || schedule.current_phase.end_date !== at) return undefined;
  return nextPhase(schedule, at);
}

/** Called when a subscription is canceled: its schedule is `completed` if it ended in `cancel`, else `canceled`. */
export function endScheduleWithSubscription(ctx: SimContext, sub: Stripe.Subscription) {
  const schedule = steeringSchedule(ctx, sub);
  if (!schedule) return;
  const now = ctx.clock.now();
  const last = schedule.phases.at(-1);
  const completed = schedule.end_behavior === "cancel" && last !== undefined && last.end_date <= now;
  const before = clone(schedule);
  schedule.current_phase = null;
  if (completed) {
    schedule.status = "completed";
    schedule.completed_at = now;
  } else {
    schedule.status = "canceled";
    schedule.canceled_at = now;
  }
  ctx.events.emit(completed ? "subscription_schedule.completed" : "subscription_schedule.canceled", schedule, EventLog.changes(before, schedule));
}

function steeringSchedule(ctx: SimContext, sub: Stripe.Subscription): Stripe.SubscriptionSchedule | undefined {
  const id = scheduleIdOf(sub);
  const schedule = id ? ctx.store.schedules.get(id) : undefined;
  return schedule && isSteering(schedule) ? schedule : undefined;
}

function nextPhase(schedule: Stripe.SubscriptionSchedule, at: number): Phase | undefined {
  return schedule.phases.find((phase) => phase.start_date === at);
}
