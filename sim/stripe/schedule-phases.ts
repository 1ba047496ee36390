// `phases[]` of POST /v1/subscription_schedules/:id, read into stored phases with Stripe's rules:
// the first phase anchors the dates (an active schedule's must keep the current phase's start),
// each next phase starts where the previous one ends, `end_date` and `duration` exclude each
// other, and a phase with neither lasts until the next phase's `start_date` or one interval of
// its first price. The stand-in moves phases only at billing period ends (renewal.ts), so it
// refuses a phase boundary anywhere else, and prices billed at another interval, as its own limit.
import type Stripe from "stripe";
import { addInterval } from "./clock";
import { invalidParam, invalidRequest, missingParam } from "./errors";
import { buildPhase, type Phase, type PhaseItem, phaseItem, priceIdOf } from "./objects/schedule";
import { currentPeriod, periodEnd } from "./objects/subscription";
import type { Params } from "./params";
import { recurringPriceFor } from "./proration";
import type { SimContext } from "./types";

export const PRORATION = ["always_invoice", "create_prorations", "none"] as const;
const INTERVALS = ["day", "week", "month", "year"] as const;

export function planPhases(ctx: SimContext, schedule: Stripe.SubscriptionSchedule, sub: Stripe.Subscription, given: Params[]): Phase[] {
  if (!given.length) throw missingParam("phases");
  const phases: Phase[] = [];
  given.forEach((p, i) => {
    const start = phaseStart(ctx, p, i, phases.at(-1)?.end_date);
    const items = phaseItems(ctx, sub, p);
    const end = phaseEnd(ctx, sub, p, start, items, given[i + 1]);
    if (end <= start) throw invalidParam(p.name("end_date"), `The end_date of phases[${i}] must be after its start_date (${start}).`);
    const metadata = rawMetadata(p);
    const prorationBehavior = p.oneOf("proration_behavior", PRORATION) ?? "create_prorations";
    phases.push(buildPhase({ start, end, currency: sub.currency, items, metadata, prorationBehavior }));
  });
  return keepCurrentPhaseStart(ctx, schedule, sub, phases);
}

function phaseStart(ctx: SimContext, p: Params, index: number, previousEnd: number | undefined): number {
  const given = dateParam(ctx, p, "start_date");
  if (previousEnd === undefined) {
    // Stripe's words for an update whose first phase has no start_date (stripe-dotnet#1754).
    if (given === undefined) throw invalidRequest("The subscription schedule update is missing at least one phase with a `start_date` to anchor end dates to.");
    return given;
  }
  if (given !== undefined && given !== previousEnd) {
    throw invalidParam(p.name("start_date"), `The start_date of phases[${index}] (${given}) must equal the end_date of the phase before it (${previousEnd}).`);
  }
  return previousEnd;
}

function phaseEnd(ctx: SimContext, sub: Stripe.Subscription, p: Params, start: number, items: PhaseItem[], next: Params | undefined): number {
  const endDate = dateParam(ctx, p, "end_date");
  const duration = p.obj("duration");
  // "If set, `duration` must not be set" (SDK doc comment on phases[].end_date).
  if (endDate !== undefined && duration)
    throw invalidRequest("You may only specify one of these parameters: duration, end_date.", { param: p.name("duration") });
  if (endDate !== undefined) return endDate;
  if (duration) {
    const interval = duration.reqOneOf("interval", INTERVALS);
    const count = duration.int("interval_count") ?? 1;
    if (count < 1) throw invalidParam(duration.name("interval_count"), "interval_count must be at least 1.");
    return addInterval(start, interval, count, sub.billing_cycle_anchor);
  }
  const nextStart = next ? dateParam(ctx, next, "start_date") : undefined;
  if (nextStart !== undefined) return nextStart;
  return periodEnd(ctx.store.price(priceIdOf(items[0])), start, sub.billing_cycle_anchor);
}

function phaseItems(ctx: SimContext, sub: Stripe.Subscription, p: Params): PhaseItem[] {
  const given = p.list("items");
  if (!given.length) throw missingParam(p.name("items"));
  const billing = sub.items.data[0]?.price.recurring;
  return given.map((item) => {
    const id = item.reqStr("price");
    const price = recurringPriceFor(ctx, sub, id, item.name("price"));
    if (price.recurring.interval !== billing?.interval || price.recurring.interval_count !== billing?.interval_count) {
      throw invalidRequest("The Stripe stand-in only supports schedule phases whose prices bill at the subscription's interval.", {
        param: item.name("price"),
      });
    }
    const quantity = item.int("quantity") ?? 1;
    if (quantity < 0) throw invalidParam(item.name("quantity"), "Invalid quantity: must be at least 0");
    return phaseItem(id, quantity, rawMetadata(item));
  });
}

/**
 * The phase that starts at the current phase's start is the current one; phases before it are
 * past phases, which stay as they were. Its start cannot move, and the phase boundaries from there
 * on must be billing period ends of the subscription (the stand-in's limit, see above).
 */
function keepCurrentPhaseStart(ctx: SimContext, schedule: Stripe.SubscriptionSchedule, sub: Stripe.Subscription, phases: Phase[]): Phase[] {
  const current = schedule.current_phase;
  if (!current) return phases;
  const index = phases.findIndex((phase) => phase.start_date === current.start_date);
  if (index === -1) throw invalidRequest("You can not modify the start date of the current phase.", { param: "phases[0][start_date]" });
  for (let i = 0; i < index; i++) {
    const stored = schedule.phases.find((phase) => phase.start_date === phases[i].start_date && phase.end_date === phases[i].end_date);
    if (!stored) throw invalidRequest(`You can not modify the dates of a past phase (phases[${i}]).`, { param: `phases[${i}]` });
    phases[i] = stored;
  }
  for (let i = index; i < phases.length; i++) {
    if (!isPeriodEnd(sub, phases[i].end_date) || phases[i].end_date <= ctx.clock.now()) {
      throw invalidRequest(
        `The Stripe stand-in only supports schedule phases that end at a billing period end of the subscription; phases[${i}] ends at ${phases[i].end_date}.`,
        { param: `phases[${i}][end_date]` },
      );
    }
  }
  return phases;
}

function isPeriodEnd(sub: Stripe.Subscription, at: number): boolean {
  const price = sub.items.data[0].price;
  let boundary = currentPeriod(sub).start;
  do boundary = periodEnd(price, boundary, sub.billing_cycle_anchor);
  while (boundary < at);
  return boundary === at;
}

/** Dates take a timestamp or `now` (SDK: `number | 'now'`). */
function dateParam(ctx: SimContext, p: Params, key: string): number | undefined {
  return p.raw[key] === "now" ? ctx.clock.now() : p.int(key);
}

/** Phase metadata is kept as sent: an empty value unsets that key when the phase is entered. */
function rawMetadata(p: Params): Stripe.Metadata {
  const given = p.obj("metadata");
  return Object.fromEntries((given?.keys() ?? []).map((key) => [key, given!.str(key) ?? ""]));
}
