// Invoices as the pinned API shows them: the subscription is at
// `parent.subscription_details.subscription` (with the subscription's metadata beside it) and
// payments are InvoicePayment objects, not a payment_intent field.
import type Stripe from "stripe";
import { newId } from "../store";
import type { LineSpec, SimContext } from "../types";
import { applyAutomaticTax } from "../tax";
import { productName, wireDecimal } from "./catalog";

export interface NewInvoice {
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  reason: Stripe.Invoice.BillingReason;
  lines: LineSpec[];
  period: { start: number; end: number };
  /** Previews are never stored and carry an `upcoming_` id. */
  preview?: boolean;
  /** Stripe Tax computes this invoice's tax (sim/stripe/tax.ts); default: the subscription's setting. */
  automaticTax?: boolean;
}

export function buildInvoice(ctx: SimContext, input: NewInvoice): Stripe.Invoice {
  const invoice = buildUntaxedInvoice(ctx, input);
  invoice.automatic_tax.enabled = input.automaticTax ?? input.subscription?.automatic_tax.enabled ?? false;
  applyAutomaticTax(ctx, invoice, input.customer);
  return invoice;
}

function buildUntaxedInvoice(ctx: SimContext, input: NewInvoice): Stripe.Invoice {
  const now = ctx.clock.now();
  const id = input.preview ? newId("upcoming_in_1") : newId("in_1");
  const { customer, subscription } = input;
  const total = input.lines.reduce((sum, line) => sum + line.amount, 0);
  // A negative total (a downgrade's credit) is not charged: it goes to the customer's balance.
  const amountDue = Math.max(0, total + Math.min(0, customer.balance));
  return {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Lab VPS (sim)",
    account_tax_ids: null,
    amount_due: amountDue,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: amountDue,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: !input.preview,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.reason,
    collection_method: "charge_automatically",
    created: now,
    currency: input.lines[0]?.price.currency ?? subscription?.currency ?? "usd",
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: "list",
      data: input.lines.map((line) => buildLine(id, subscription?.id ?? null, line)),
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? {
          quote_details: null,
          subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
          type: "subscription_details",
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.period.end,
    period_start: input.period.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: customer.balance,
    statement_descriptor: null,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: ctx.store.clockOfCustomer(customer.id),
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

function buildLine(invoice: string, subscription: string | null, line: LineSpec): Stripe.InvoiceLineItem {
  return {
    id: newId("il_1"),
    object: "line_item",
    amount: line.amount,
    currency: line.price.currency,
    description: line.description,
    discount_amounts: [],
    discountable: !line.proration,
    discounts: [],
    invoice,
    livemode: false,
    metadata: {},
    parent: line.subscriptionItem
      ? {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: line.proration ? newId("ii_1") : null,
            proration: line.proration,
            proration_details: { credited_items: null },
            subscription,
            subscription_item: line.subscriptionItem,
          },
          type: "subscription_item_details",
        }
      : null,
    period: line.period,
    pretax_credit_amounts: [],
    pricing: {
      price_details: { price: line.price.id, product: String(line.price.product) },
      type: "price_details",
      unit_amount_decimal: line.price.unit_amount_decimal,
    },
    quantity: line.quantity,
    quantity_decimal: wireDecimal(line.quantity),
    subscription,
    subtotal: line.amount,
    taxes: [],
  };
}

/** The regular (non-proration) line of each item for a period. */
export function periodLines(ctx: SimContext, sub: Stripe.Subscription, period: { start: number; end: number }): LineSpec[] {
  return sub.items.data.map((item) => ({
    amount: (item.price.unit_amount ?? 0) * (item.quantity ?? 1),
    description: `${item.quantity ?? 1} × ${productName(ctx, item.price)} (at ${formatAmount(item.price.unit_amount ?? 0, item.price.currency)} / ${item.price.recurring?.interval ?? "month"})`,
    price: item.price,
    quantity: item.quantity ?? 1,
    period,
    proration: false,
    subscriptionItem: item.id,
  }));
}

/** Finalizing gives the invoice its number and hosted page, and makes it payable. */
export function finalizeInvoice(ctx: SimContext, invoice: Stripe.Invoice) {
  if (invoice.status !== "draft") return;
  const customer = ctx.store.customer(String(invoice.customer));
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  invoice.number = `${customer.invoice_prefix}-${String(sequence).padStart(4, "0")}`;
  invoice.status = "open";
  invoice.effective_at = ctx.clock.now();
  invoice.status_transitions = { ...invoice.status_transitions, finalized_at: ctx.clock.now() };
  invoice.hosted_invoice_url = `${ctx.options.publicBaseUrl}/i/${invoice.id}`;
  invoice.invoice_pdf = `${ctx.options.publicBaseUrl}/i/${invoice.id}/pdf`;
  applyCustomerBalance(customer, invoice);
  ctx.events.emit("invoice.finalized", invoice);
}

/** Credit (a negative balance) pays for the invoice first; a negative invoice adds to the credit. */
function applyCustomerBalance(customer: Stripe.Customer, invoice: Stripe.Invoice) {
  const credit = Math.max(0, -customer.balance);
  customer.balance += invoice.total < 0 ? invoice.total : Math.min(credit, invoice.total);
  invoice.ending_balance = customer.balance;
}

export function formatAmount(amount: number, currency: string): string {
  const major = (amount / 100).toFixed(2);
  return `${currency.toUpperCase() === "USD" ? "$" : ""}${major}${currency.toUpperCase() === "USD" ? "" : ` ${currency.toUpperCase()}`}`;
}
