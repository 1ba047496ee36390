// All state of the stand-in, in memory. API objects are kept in the exact shape Stripe returns
// them; what Stripe knows but does not show (cards, session items, pending changes) sits beside.
import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import { noSuch } from "./errors";
import { defaultTaxSettings } from "./tax";
import type { CardRecord, InvoiceIntent, PaymentRecord, SessionExtras, SubscriptionExtras } from "./types";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Ids look like Stripe's: a type prefix and base62 noise (`cus_`, `sub_`, `cs_test_`, ...). */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let body = "";
  for (const byte of bytes) body += ALPHABET[byte % ALPHABET.length];
  return `${prefix}${body}`;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * A map that also keeps its values grouped by the test clock they live on ("" = real time), so
 * the work a clock's advance brings due is found among that clock's objects only. An object's
 * clock is its customer's, fixed when the customer is created (Stripe: test clocks are attached at
 * creation), so it never moves between groups.
 */
export class ClockedMap<T extends { id: string }> extends Map<string, T> {
  private groups = new Map<string, Set<string>>();
  private clockOf: (value: T) => string | null = () => null;

  /** Set by the store once it can resolve customers. */
  groupBy(clockOf: (value: T) => string | null) {
    this.clockOf = clockOf;
    return this;
  }

  override set(key: string, value: T): this {
    if (this.groups) {
      const clock = this.clockOf(value) ?? "";
      let group = this.groups.get(clock);
      if (!group) this.groups.set(clock, (group = new Set()));
      group.add(key);
    }
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    for (const group of this.groups?.values() ?? []) group.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.groups?.clear();
    super.clear();
  }

  /** The values living on this clock (null: real time). */
  *onClock(clock: string | null): IterableIterator<T> {
    for (const key of this.groups.get(clock ?? "") ?? []) {
      const value = super.get(key);
      if (value) yield value;
    }
  }
}

export class Store {
  customers = new Map<string, Stripe.Customer>();
  products = new Map<string, Stripe.Product>();
  prices = new Map<string, Stripe.Price>();
  sessions = new ClockedMap<Stripe.Checkout.Session>().groupBy((s) => this.clockOfCustomer(s.customer));
  subscriptions = new ClockedMap<Stripe.Subscription>().groupBy((s) => clockId(s.test_clock));
  schedules = new Map<string, Stripe.SubscriptionSchedule>();
  invoices = new ClockedMap<Stripe.Invoice>().groupBy((i) => clockId(i.test_clock));
  testClocks = new Map<string, Stripe.TestHelpers.TestClock>();
  invoicePayments = new Map<string, Stripe.InvoicePayment>();
  paymentMethods = new Map<string, Stripe.PaymentMethod>();
  refunds = new Map<string, Stripe.Refund>();
  charges = new Map<string, Stripe.Charge>();
  disputes = new Map<string, Stripe.Dispute>();
  earlyFraudWarnings = new Map<string, Stripe.Radar.EarlyFraudWarning>();
  portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  portalConfigurations = new Map<string, Stripe.BillingPortal.Configuration>();
  setupIntents = new Map<string, Stripe.SetupIntent>();
  events = new Map<string, Stripe.Event>();
  /** Customer id → its tax IDs (Checkout's tax ID collection adds them). */
  customerTaxIds = new Map<string, Stripe.TaxId[]>();
  /** The account's Stripe Tax settings (sim/stripe/tax.ts). */
  taxSettings: Stripe.Tax.Settings = defaultTaxSettings();

  /** Portal session id → when its deep-linked flow was completed (the homepage is open from then on). */
  completedPortalFlows = new Map<string, number>();
  /** PaymentMethod id → the card behind it. */
  cards = new Map<string, CardRecord>();
  payments = new Map<string, PaymentRecord>();
  sessionExtras = new Map<string, SessionExtras>();
  subscriptionExtras = new Map<string, SubscriptionExtras>();
  /** Invoice id → the PaymentIntent created at finalization, and how its last attempt ended. */
  invoiceIntents = new Map<string, InvoiceIntent>();

  reset() {
    for (const value of Object.values(this)) if (value instanceof Map) value.clear();
    this.taxSettings = defaultTaxSettings();
  }

  customer(id: string, param = "customer") {
    return found(this.customers.get(id), "customer", id, param);
  }
  price(id: string, param = "price") {
    return found(this.prices.get(id), "price", id, param);
  }
  product(id: string, param = "product") {
    return found(this.products.get(id), "product", id, param);
  }
  session(id: string, param = "session") {
    return found(this.sessions.get(id), "checkout.session", id, param);
  }
  subscription(id: string, param = "subscription") {
    return found(this.subscriptions.get(id), "subscription", id, param);
  }
  schedule(id: string, param = "schedule") {
    return found(this.schedules.get(id), "subscription_schedule", id, param);
  }
  invoice(id: string, param = "invoice") {
    return found(this.invoices.get(id), "invoice", id, param);
  }

  /** The test clock a customer lives on (null: real time). */
  clockOfCustomer(customer: string | { id: string } | null | undefined): string | null {
    const id = typeof customer === "string" ? customer : customer?.id;
    return id ? clockId(this.customers.get(id)?.test_clock ?? null) : null;
  }

  testClock(id: string, param = "test_clock") {
    return found(this.testClocks.get(id), "test_clock", id, param);
  }

  subscriptionExtrasFor(id: string): SubscriptionExtras {
    let extras = this.subscriptionExtras.get(id);
    if (!extras) this.subscriptionExtras.set(id, (extras = { pendingProrations: [] }));
    return extras;
  }

  /** Finds any stored object by its id prefix; used by `expand`. */
  resolve(id: string): object | undefined {
    const byPrefix: Array<[string, Map<string, object>]> = [
      ["cus_", this.customers],
      ["prod_", this.products],
      ["price_", this.prices],
      ["cs_", this.sessions],
      // Before `sub_`, which schedule ids also start with.
      ["sub_sched_", this.schedules],
      ["sub_", this.subscriptions],
      ["in_", this.invoices],
      ["inpay_", this.invoicePayments],
      ["pm_", this.paymentMethods],
      ["seti_", this.setupIntents],
      ["bpc_", this.portalConfigurations],
      ["re_", this.refunds],
      ["ch_", this.charges],
      ["dp_", this.disputes],
      ["issfr_", this.earlyFraudWarnings],
      ["evt_", this.events],
      ["clock_", this.testClocks],
    ];
    return byPrefix.find(([prefix]) => id.startsWith(prefix))?.[1].get(id);
  }
}

function clockId(value: string | { id: string } | null | undefined): string | null {
  return typeof value === "string" ? value : (value?.id ?? null);
}

function found<T>(value: T | undefined, kind: string, id: string, param: string): T {
  if (!value) throw noSuch(kind, id, param);
  return value;
}
