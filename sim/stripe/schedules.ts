// Subscription schedules: create `from_subscription`, update phases, release. A schedule steers
// its subscription: entering a phase replaces the subscription's items and merges the phase's
// metadata (schedule-clock.ts does that at period end); `end_behavior: cancel` shows on the
// subscription as `cancel_at` at the last phase's end, and only the schedule may change it.
import type Stripe from "stripe";
import { invalidRequest } from "./errors";
import { EventLog } from "./events";
import { buildScheduleFromSubscription, isSteering, managedSubscription, type Phase, type PhaseItem, priceIdOf, scheduleIdOf } from "./objects/schedule";
import { applyItemChanges } from "./objects/subscription";
import type { Params } from "./params";
import { planPhases, PRORATION } from "./schedule-phases";
import { clone } from "./store";
import type { ItemChange, SimContext } from "./types";

const END_BEHAVIORS = ["cancel", "none", "release", "renew"] as const;

export function createSchedule(ctx: SimContext, p: Params): Stripe.SubscriptionSchedule {
  const subId = p.str("from_subscription");
  if (subId === undefined) {
    throw invalidRequest("The Stripe stand-in only supports creating a subscription schedule with `from_subscription` (not from `customer` and `phases`).");
  }
  // "When using this parameter, other parameters (such as phase values) cannot be set" (SDK doc comment).
  const other = p.keys().find((key) => key !== "from_subscription" && key !== "expand");
  if (other) {
    throw invalidRequest(`You cannot set \`${other}\` when \`from_subscription\` is set. Create the schedule first, then update it.`, { param: other });
  }
  const sub = ctx.store.subscription(subId, "from_subscription");
  const attached = scheduleIdOf(sub);
  if (attached) {
    throw invalidRequest(`You cannot migrate a subscription that is already attached to a schedule: \`${attached}\`.`, { param: "from_subscription" });
  }
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidRequest(`You cannot migrate a subscription that is in the \`${sub.status}\` status to a subscription schedule.`, {
      param: "from_subscription",
    });
  }
  if (sub.cancel_at !== null) {
    throw invalidRequest("The Stripe stand-in does not migrate a subscription that is set to cancel (`cancel_at`) to a schedule.", {
      param: "from_subscription",
    });
  }
  const schedule = buildScheduleFromSubscription(ctx, sub);
  ctx.store.schedules.set(schedule.id, schedule);
  ctx.events.emit("subscription_schedule.created", schedule);
  ctx.events.update("customer.subscription.updated", sub, () => (sub.schedule = schedule.id));
  return schedule;
}

export function updateSchedule(ctx: SimContext, schedule: Stripe.SubscriptionSchedule, p: Params): Stripe.SubscriptionSchedule {
  refuseUnlessSteering(schedule, "updated");
  const sub = managedSubscription(ctx, schedule);
  if (!sub) throw invalidRequest("The Stripe stand-in only supports schedules that manage a subscription.");
  const endBehavior = p.oneOf("end_behavior", END_BEHAVIORS);
  if (endBehavior === "none" || endBehavior === "renew") {
    throw invalidRequest(`The Stripe stand-in only supports end_behavior release or cancel, not ${endBehavior}.`, { param: "end_behavior" });
  }
  const prorationBehavior = p.oneOf("proration_behavior", PRORATION) ?? "create_prorations";
  const phases = p.has("phases") ? planPhases(ctx, schedule, sub, p.list("phases")) : schedule.phases;
  const current = phases.find((phase) => phase.start_date === schedule.current_phase?.start_date);
  // The request's proration_behavior is for changes to the current phase, which apply at once;
  // an update without phases leaves the subscription's items alone.
  const changes = current && p.has("phases") ? itemChangesFor(ctx, sub, current.items) : [];
  if (changes.length && prorationBehavior !== "none") {
    throw invalidRequest("The Stripe stand-in only applies a change to the current phase's items with proration_behavior=none.", {
      param: "proration_behavior",
    });
  }

  const before = clone(schedule);
  schedule.phases = phases;
  if (current) schedule.current_phase = { start_date: current.start_date, end_date: current.end_date };
  if (endBehavior) schedule.end_behavior = endBehavior;
  if (p.has("metadata")) schedule.metadata = p.mergeMetadata(schedule.metadata);
  const previous = EventLog.changes(before, schedule);
  if (Object.keys(previous).length) ctx.events.emit("subscription_schedule.updated", schedule, previous);
  ctx.events.update("customer.subscription.updated", sub, () => {
    applyItemChanges(ctx, sub, changes);
    sub.cancel_at = scheduledCancelAt(schedule);
  });
  return schedule;
}

/** Releasing stops the phases; the subscription keeps running as it is now (its items stay). */
export function releaseSchedule(ctx: SimContext, schedule: Stripe.SubscriptionSchedule, { preserveCancelDate = false } = {}): Stripe.SubscriptionSchedule {
  refuseUnlessSteering(schedule, "released");
  const sub = managedSubscription(ctx, schedule);
  const before = clone(schedule);
  schedule.status = "released";
  schedule.released_at = ctx.clock.now();
  schedule.released_subscription = sub?.id ?? null;
  schedule.subscription = null;
  schedule.current_phase = null;
  ctx.events.emit("subscription_schedule.released", schedule, EventLog.changes(before, schedule));
  if (sub) {
    ctx.events.update("customer.subscription.updated", sub, () => {
      sub.schedule = null;
      // "preserve_cancel_date: Keep any cancellation on the subscription that the schedule has set" (SDK doc comment).
      if (!preserveCancelDate && scheduledCancelAt(before) !== null) sub.cancel_at = null;
    });
  }
  return schedule;
}

/** Entering a phase: its items replace the subscription's, its metadata merges into the subscription's. */
export function enterPhase(ctx: SimContext, sub: Stripe.Subscription, phase: Phase) {
  applyItemChanges(ctx, sub, itemChangesFor(ctx, sub, phase.items));
  for (const wanted of phase.items) {
    const item = sub.items.data.find((candidate) => candidate.price.id === priceIdOf(wanted));
    if (item && wanted.metadata) item.metadata = mergeKeys(item.metadata, wanted.metadata);
  }
  // "adding new keys and replacing existing keys ... unset by posting an empty value" (SDK doc comment on phases[].metadata).
  if (phase.metadata) sub.metadata = mergeKeys(sub.metadata, phase.metadata);
}

/**
 * The item changes that turn the subscription's items into a phase's: an item keeps its id when
 * its price is wanted again, or else another price of the same product; other items go, and
 * prices left over become new items.
 */
export function itemChangesFor(ctx: SimContext, sub: Stripe.Subscription, wanted: PhaseItem[]): ItemChange[] {
  const remaining = [...sub.items.data];
  const claim = (matches: (item: Stripe.SubscriptionItem) => boolean) => {
    const index = remaining.findIndex(matches);
    return index === -1 ? undefined : remaining.splice(index, 1)[0];
  };
  const targets = wanted.map((item) => ({ price: ctx.store.price(priceIdOf(item)), quantity: item.quantity ?? 1 }));
  const kept = targets.map((target) => claim((item) => item.price.id === target.price.id));
  targets.forEach((target, i) => (kept[i] ??= claim((item) => productOf(item.price) === productOf(target.price))));
  const changes: ItemChange[] = [];
  targets.forEach((target, i) => {
    const item = kept[i];
    if (item && item.price.id === target.price.id && item.quantity === target.quantity) return;
    changes.push({ id: item?.id, price: target.price.id, quantity: target.quantity });
  });
  for (const item of remaining) changes.push({ id: item.id, price: item.price.id, quantity: item.quantity ?? 1, deleted: true });
  return changes;
}

/** Where a schedule that ends in `cancel` puts the subscription's `cancel_at`. */
export function scheduledCancelAt(schedule: Stripe.SubscriptionSchedule): number | null {
  return schedule.end_behavior === "cancel" ? (schedule.phases.at(-1)?.end_date ?? null) : null;
}

function refuseUnlessSteering(schedule: Stripe.SubscriptionSchedule, verb: string) {
  if (isSteering(schedule)) return;
  // Stripe's wording for an update (reported on Stack Overflow); the stand-in says the same for release.
  throw invalidRequest(
    `You cannot ${verb === "updated" ? "update" : "release"} a subscription schedule that is currently in the \`${schedule.status}\` status. It must be in \`not_started\`, \`active\` status to be ${verb}.`,
  );
}

function productOf(price: Stripe.Price): string {
  return typeof price.product === "string" ? price.product : price.product.id;
}

function mergeKeys(current: Stripe.Metadata, update: Stripe.Metadata): Stripe.Metadata {
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === "") delete next[key];
    else next[key] = value;
  }
  return next;
}

/** Stripe's refusal of a direct `cancel_at` / `cancel_at_period_end` change while a schedule steers the subscription. */
export function refuseCancelChangeWhileScheduled(sub: Stripe.Subscription) {
  const id = scheduleIdOf(sub);
  if (!id) return;
  throw invalidRequest(
    `The subscription is managed by the subscription schedule \`${id}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
  );
}
