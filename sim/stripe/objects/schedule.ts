// Subscription schedules as the pinned API shows them. Only schedules made `from_subscription`
// exist here; every field Stripe returns is filled, null or a default where the stand-in has no
// use for it (as in the API reference's example object).
import type Stripe from "stripe";
import { newId } from "../store";
import type { SimContext } from "../types";
import { currentPeriod, customerId } from "./subscription";

export type Phase = Stripe.SubscriptionSchedule.Phase;
export type PhaseItem = Stripe.SubscriptionSchedule.Phase.Item;

export interface NewPhase {
  start: number;
  end: number;
  currency: string;
  items: PhaseItem[];
  metadata: Stripe.Metadata;
  prorationBehavior: Phase["proration_behavior"];
}

export function buildPhase(input: NewPhase): Phase {
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency: input.currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    end_date: input.end,
    invoice_settings: null,
    items: input.items,
    metadata: input.metadata,
    on_behalf_of: null,
    proration_behavior: input.prorationBehavior,
    start_date: input.start,
    transfer_data: null,
    trial_end: null,
  };
}

/** A phase item names its price (and the legacy plan, the same id) as strings. */
export function phaseItem(price: string, quantity: number, metadata: Stripe.Metadata = {}): PhaseItem {
  return { billing_thresholds: null, discounts: [], metadata, plan: price, price, quantity, tax_rates: [] };
}

export function priceIdOf(item: PhaseItem): string {
  return typeof item.price === "string" ? item.price : item.price.id;
}

/**
 * `from_subscription`: "a subscription schedule will be created using the subscription's item(s),
 * set to auto-renew using the subscription's interval" (SDK doc comment) — one phase covering the
 * current period, ending in `release`.
 */
export function buildScheduleFromSubscription(ctx: SimContext, sub: Stripe.Subscription): Stripe.SubscriptionSchedule {
  const now = ctx.clock.now();
  const period = currentPeriod(sub);
  const items = sub.items.data.map((item) => phaseItem(item.price.id, item.quantity ?? 1));
  return {
    id: newId("sub_sched_1"),
    object: "subscription_schedule",
    application: null,
    billing_mode: structuredClone(sub.billing_mode),
    canceled_at: null,
    completed_at: null,
    created: now,
    current_phase: { start_date: period.start, end_date: period.end },
    customer: customerId(sub),
    customer_account: null,
    default_settings: {
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: "automatic",
      billing_thresholds: null,
      collection_method: "charge_automatically",
      default_payment_method: null,
      description: null,
      invoice_settings: { account_tax_ids: null, custom_fields: null, days_until_due: null, description: null, footer: null, issuer: { type: "self" } },
      on_behalf_of: null,
      transfer_data: null,
    },
    end_behavior: "release",
    livemode: false,
    metadata: {},
    pause_schedules: [],
    phases: [buildPhase({ start: period.start, end: period.end, currency: sub.currency, items, metadata: {}, prorationBehavior: "create_prorations" })],
    released_at: null,
    released_subscription: null,
    status: "active",
    subscription: sub.id,
    test_clock: sub.test_clock,
  };
}

/** The subscription a schedule manages, if it still manages one. */
export function managedSubscription(ctx: SimContext, schedule: Stripe.SubscriptionSchedule): Stripe.Subscription | undefined {
  const sub = schedule.subscription;
  const id = typeof sub === "string" ? sub : sub?.id;
  return id ? ctx.store.subscriptions.get(id) : undefined;
}

export function scheduleIdOf(sub: Stripe.Subscription): string | null {
  const schedule = sub.schedule;
  return typeof schedule === "string" ? schedule : (schedule?.id ?? null);
}

/** Schedules that still steer their subscription (Stripe lets only these be updated or released). */
export function isSteering(schedule: Stripe.SubscriptionSchedule): boolean {
  return schedule.status === "active" || schedule.status === "not_started";
}
