// Subscriptions as the pinned API shows them: billing periods live on each item
// (`items.data[i].current_period_start/end`), not on the subscription.
import type Stripe from "stripe";
import { addInterval } from "../clock";
import { newId } from "../store";
import type { ItemChange, SimContext } from "../types";
import { planFromPrice } from "./catalog";

export interface NewSubscription {
  customer: string;
  items: Array<{ price: Stripe.Price; quantity: number }>;
  metadata: Stripe.Metadata;
  defaultPaymentMethod: string | null;
  status: Stripe.Subscription.Status;
}

export function buildSubscription(ctx: SimContext, input: NewSubscription): Stripe.Subscription {
  const now = ctx.clock.now();
  const id = newId("sub_1");
  const items = input.items.map(({ price, quantity }) => buildItem(id, price, quantity, now, periodEnd(price, now, now)));
  return {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: now,
    billing_cycle_anchor_config: null,
    // New subscriptions default to flexible billing since 2025-09-30.clover (the pinned API's default).
    billing_mode: { flexible: { proration_discounts: "included" }, type: "flexible", updated_at: now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency: input.items[0]?.price.currency ?? "usd",
    customer: input.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: input.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    items: { object: "list", data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: input.status,
    // Everything of a customer on a test clock lives on that clock.
    test_clock: ctx.store.clockOfCustomer(input.customer),
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" } },
    trial_start: null,
  };
}

export function buildItem(subscription: string, price: Stripe.Price, quantity: number, start: number, end: number): Stripe.SubscriptionItem {
  return {
    id: newId("si_", 14),
    object: "subscription_item",
    billing_thresholds: null,
    created: start,
    current_period_end: end,
    current_period_start: start,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planFromPrice(price),
    price,
    quantity,
    subscription,
    tax_rates: [],
  };
}

export function periodEnd(price: Stripe.Price, start: number, anchor: number): number {
  return addInterval(start, price.recurring?.interval ?? "month", price.recurring?.interval_count ?? 1, anchor);
}

/** The current period of a subscription: the earliest item period (all items share it here). */
export function currentPeriod(sub: Stripe.Subscription): { start: number; end: number } {
  const items = sub.items.data;
  return {
    start: Math.min(...items.map((i) => i.current_period_start)),
    end: Math.min(...items.map((i) => i.current_period_end)),
  };
}

export function subscriptionAmount(sub: Stripe.Subscription): number {
  return sub.items.data.reduce((sum, item) => sum + (item.price.unit_amount ?? 0) * (item.quantity ?? 1), 0);
}

export function customerId(owner: { customer: string | { id: string } | null }): string {
  const customer = owner.customer;
  return typeof customer === "string" ? customer : (customer?.id ?? "");
}

export function subscriptionIdOf(invoice: Stripe.Invoice): string | null {
  const sub = invoice.parent?.subscription_details?.subscription;
  return sub ? (typeof sub === "string" ? sub : sub.id) : null;
}

/** Subscriptions whose payment problems still count (a canceled one is over). */
export function isLive(sub: Stripe.Subscription): boolean {
  return sub.status !== "canceled" && sub.status !== "incomplete_expired";
}

export function openInvoicesOf(ctx: SimContext, sub: Stripe.Subscription): Stripe.Invoice[] {
  return [...ctx.store.invoices.values()].filter((inv) => subscriptionIdOf(inv) === sub.id && inv.status === "open");
}

/** Applies item changes (price/quantity edits, additions, removals) within the current period. */
export function applyItemChanges(ctx: SimContext, sub: Stripe.Subscription, changes: ItemChange[]) {
  const period = currentPeriod(sub);
  for (const change of changes) {
    const price = ctx.store.price(change.price);
    const index = sub.items.data.findIndex((item) => item.id === change.id);
    if (change.deleted) {
      if (index !== -1) sub.items.data.splice(index, 1);
    } else if (index !== -1) {
      const item = sub.items.data[index];
      sub.items.data[index] = { ...item, price, plan: planFromPrice(price), quantity: change.quantity };
    } else {
      sub.items.data.push(buildItem(sub.id, price, change.quantity, period.start, period.end));
    }
  }
}
