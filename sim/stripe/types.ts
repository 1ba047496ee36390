import type Stripe from "stripe";
import type { BillingDetails, CheckoutTax } from "./checkout-tax";
import type { SimClock } from "./clock";
import type { EventLog } from "./events";
import type { Store } from "./store";
import type { DeliveryQueue } from "./webhooks";

export interface StripeSimOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Where events are POSTed; an empty string turns delivery off (events are still recorded). */
  webhookUrl: string;
  webhookSecret: string;
  /** Base for URLs handed out (checkout, portal, hosted invoice); defaults to http://127.0.0.1:<port>. */
  publicBaseUrl: string;
  /** Delivery attempts per event before giving up (Stripe: 3 days of retries; here compressed). */
  webhookMaxAttempts: number;
  /** First retry after this many ms, doubling each time (1 s, 2 s, 4 s, ...). */
  webhookRetryBaseMs: number;
  webhookTimeoutMs: number;
  /** Smart retries of a failed renewal: days after the previous attempt (Stripe's custom schedule). */
  retryScheduleDays: number[];
  /** The account's "Manage failed payments" settings: what the last failed retry does (sim/stripe/dunning.ts). */
  dunning: DunningSettings;
  /** How long an unpaid `pending_update` lives (Stripe: at most ~23 h). */
  pendingUpdateTtlSeconds: number;
  /** Real-time tick that expires sessions and runs due renewals without an explicit advance; 0 disables. */
  tickIntervalMs: number;
  log: (line: string) => void;
  /** Called with every event as it is recorded (in-process tests that route events themselves). */
  onEvent?: (event: Stripe.Event) => void;
}

export interface SimContext {
  options: StripeSimOptions;
  clock: SimClock;
  store: Store;
  events: EventLog;
  webhooks: DeliveryQueue;
  /** Runs every due clock-driven action (expiries, renewals, retries). */
  tick(): number;
}

/** The card behind one PaymentMethod (Stripe keeps the number; the API shows brand and last4). */
export interface CardRecord {
  number: string;
  brand: string;
  last4: string;
  paymentMethodId: string;
  customerId: string;
}

/**
 * Stripe's "Manage failed payments" settings (Dashboard › Billing › Revenue recovery): after the
 * last retry the subscription is canceled, marked unpaid or left past_due, and the invoice is left
 * past-due (open) or marked uncollectible.
 */
export interface DunningSettings {
  subscription: "cancel" | "unpaid" | "past_due";
  invoice: "past_due" | "uncollectible";
}

/** An invoice's PaymentIntent as the stand-in keeps it; GET /v1/payment_intents/:id shows it. */
export interface InvoiceIntent {
  id: string;
  clientSecret: string;
  created: number;
  /** The last attempt: null before any, or once it succeeded. */
  lastError: { code: string; decline_code?: string; message: string } | null;
  requiresAction: boolean;
}

/** A successful charge, kept so refunds can find it by payment intent or charge id. */
export interface PaymentRecord {
  paymentIntentId: string;
  chargeId: string;
  invoicePaymentId: string;
  invoiceId: string;
  customerId: string;
  amount: number;
  amountRefunded: number;
  currency: string;
}

export interface SessionItem {
  price: string;
  quantity: number;
}

/** What a Checkout Session remembers that its API object does not show. */
export interface SessionExtras {
  items: SessionItem[];
  subscriptionMetadata: Stripe.Metadata;
  /** Automatic tax, address and tax ID collection, customer_update (./checkout-tax.ts). */
  tax: CheckoutTax;
  /** What the customer entered for the address and tax ID (kept across a 3-D Secure step). */
  billing?: BillingDetails;
  /** Card waiting for the 3-D Secure step. */
  pendingAuthCard?: string;
  lastError?: string;
}

export interface ItemChange {
  /** Existing item id, or undefined for an added item. */
  id?: string;
  price: string;
  quantity: number;
  deleted?: boolean;
}

/** An invoice line before it is attached to an invoice. */
export interface LineSpec {
  amount: number;
  description: string;
  price: Stripe.Price;
  quantity: number;
  period: { start: number; end: number };
  proration: boolean;
  subscriptionItem: string | null;
}

export interface SubscriptionExtras {
  /** create_prorations lines waiting for the next renewal invoice. */
  pendingProrations: LineSpec[];
  /** A pending_if_incomplete change waiting for its invoice to be paid. */
  pendingChange?: { changes: ItemChange[]; invoiceId: string; metadata?: Stripe.Metadata | null };
}
