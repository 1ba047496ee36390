// Stripe Tax, the part a subscription seller meets: the account's Tax settings
// (`GET/POST /v1/tax/settings`: `status` is `active` once a head office address is set, else
// `pending` with `missing_fields: ["head_office"]`), and automatic tax on Checkout, subscriptions,
// their invoices and invoice previews.
//
// The stand-in's tax rule is deliberately simple and documented (sim/stripe/README.md): one
// standard rate per customer country (RATES below), computed per invoice line and rounded per
// line, as Stripe rounds. A business customer (a tax ID) in another EU country than the head office
// is reverse-charged (0, `reverse_charge`); a country not in the table is `not_collecting` (0).
// Prices carry no tax behavior here, so the settings' `defaults.tax_behavior` decides (exclusive:
// tax on top; inclusive: tax inside the amount); with none set, automatic tax is refused
// (Stripe: "incompatible invoice items (… `tax_behavior=unspecified`) cannot be added to automatic
// tax invoices", stripe-node Invoice.AutomaticTax).
import type Stripe from "stripe";
import { invalidRequest } from "./errors";
import type { Params } from "./params";
import type { LineSpec, SimContext } from "./types";

/** Standard VAT rates, percent (2026). Anything else: not collecting. */
export const RATES: Record<string, number> = { AT: 20, BE: 21, DE: 19, DK: 25, ES: 21, FI: 25.5, FR: 20, GB: 20, IE: 23, IT: 22, NL: 21, PL: 23, SE: 25 };
const EU = new Set(["AT", "BE", "DE", "DK", "ES", "FI", "FR", "IE", "IT", "NL", "PL", "SE"]);

// Quoted from Stripe's answers (stripe-firebase-extensions#222, laravel/cashier-stripe#1778,
// wasp-lang/open-saas#78).
export const TAX_INACTIVE_MESSAGE = "Stripe Tax has not been activated on your account. Please visit https://stripe.com/docs/tax/set-up to get started.";
export const TAX_LOCATION_MESSAGE =
  "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.";
export const TAX_ID_NAME_MESSAGE =
  "Tax ID collection requires updating business name on the customer. To enable tax ID collection for an existing customer, please set `customer_update[name]` to `auto`.";

export function defaultTaxSettings(): Stripe.Tax.Settings {
  return {
    object: "tax.settings",
    defaults: { provider: "stripe", tax_behavior: null, tax_code: null },
    head_office: null,
    livemode: false,
    status: "pending",
    status_details: { pending: { missing_fields: ["head_office"] } },
  };
}

export function updateTaxSettings(ctx: SimContext, p: Params): Stripe.Tax.Settings {
  const settings = ctx.store.taxSettings;
  const defaults = p.obj("defaults");
  if (defaults?.has("tax_behavior")) {
    const behavior = defaults.oneOf("tax_behavior", ["exclusive", "inclusive", "inferred_by_currency"] as const)!;
    settings.defaults.tax_behavior = behavior;
  }
  if (defaults?.has("tax_code")) settings.defaults.tax_code = defaults.reqStr("tax_code");
  const office = p.obj("head_office");
  if (office) {
    const address = office.obj("address");
    const country = address?.str("country")?.toUpperCase();
    if (!address || !country || !/^[A-Z]{2}$/.test(country)) {
      throw invalidRequest("A head office address needs a valid two-letter country.", { param: "head_office[address][country]", code: "parameter_invalid" });
    }
    const field = (key: string) => address.str(key);
    settings.head_office = {
      address: addressFrom(
        { line1: field("line1"), line2: field("line2"), city: field("city"), postal_code: field("postal_code"), state: field("state") },
        country,
      ),
    };
  }
  const active = settings.head_office !== null;
  settings.status = active ? "active" : "pending";
  settings.status_details = active ? { active: {} } : { pending: { missing_fields: ["head_office"] } };
  return settings;
}

type AddressFields = { line1?: string; line2?: string; city?: string; postal_code?: string; state?: string };

export function addressFrom(fields: AddressFields, country: string): Stripe.Address {
  const value = (v: string | undefined) => v?.trim() || null;
  return {
    city: value(fields.city),
    country,
    line1: value(fields.line1),
    line2: value(fields.line2),
    postal_code: value(fields.postal_code),
    state: value(fields.state),
  };
}

/** Refuses automatic tax where Stripe does: Tax not active, or no tax behavior for the prices. */
export function requireTaxReady(ctx: SimContext, param: string) {
  const settings = ctx.store.taxSettings;
  if (settings.status !== "active") throw invalidRequest(TAX_INACTIVE_MESSAGE, { param, code: "stripe_tax_inactive" });
  if (!settings.defaults.tax_behavior) {
    throw invalidRequest("Automatic tax needs a tax behavior for every price: set `tax_behavior` on the price or a default tax behavior in the Tax settings.", {
      param,
    });
  }
}

/** A customer location Stripe Tax can use: an address with a country. */
export function hasTaxLocation(customer: Stripe.Customer): boolean {
  return Boolean(customer.address?.country);
}

export function refuseWithoutLocation(customer: Stripe.Customer, param: string) {
  if (!hasTaxLocation(customer)) {
    throw invalidRequest("The customer's location isn't recognized. Stripe Tax needs an address with a country on the customer to calculate tax.", {
      param,
      code: "customer_tax_location_invalid",
    });
  }
}

interface Taxation {
  rate: number;
  reason: Stripe.Invoice.TotalTax.TaxabilityReason;
}

function taxationFor(ctx: SimContext, customer: Stripe.Customer): Taxation {
  const country = customer.address?.country?.toUpperCase() ?? "";
  const home = ctx.store.taxSettings.head_office?.address.country?.toUpperCase() ?? "";
  const rate = RATES[country];
  if (rate === undefined) return { rate: 0, reason: "not_collecting" };
  const business = (ctx.store.customerTaxIds.get(customer.id) ?? []).length > 0;
  if (business && EU.has(country) && EU.has(home) && country !== home) return { rate: 0, reason: "reverse_charge" };
  return { rate, reason: "standard_rated" };
}

const taxRateId = (country: string, rate: number) => `txr_sim_${country}_${String(rate).replace(".", "_")}`;

/**
 * Taxes an invoice whose `automatic_tax.enabled` is set: each line's `taxes`, `total_taxes`
 * (grouped by rate), `total_excluding_tax`, `total` and `amount_due`. An invoice without automatic
 * tax is left as it is.
 */
export function applyAutomaticTax(ctx: SimContext, invoice: Stripe.Invoice, customer: Stripe.Customer) {
  if (!invoice.automatic_tax.enabled) return;
  const { rate, reason } = taxationFor(ctx, customer);
  const inclusive = ctx.store.taxSettings.defaults.tax_behavior === "inclusive";
  const behavior = inclusive ? "inclusive" : "exclusive";
  const rateId = taxRateId(customer.address?.country ?? "XX", rate);
  let exclusiveTax = 0;
  let inclusiveTax = 0;
  let taxable = 0;
  for (const line of invoice.lines.data) {
    const amount = inclusive ? Math.round(line.amount - line.amount / (1 + rate / 100)) : Math.round((line.amount * rate) / 100);
    const base = inclusive ? line.amount - amount : line.amount;
    line.taxes = [
      { amount, tax_behavior: behavior, tax_rate_details: { tax_rate: rateId }, taxability_reason: reason, taxable_amount: base, type: "tax_rate_details" },
    ];
    if (inclusive) inclusiveTax += amount;
    else exclusiveTax += amount;
    taxable += base;
  }
  const tax = exclusiveTax + inclusiveTax;
  invoice.total_taxes = [
    {
      amount: tax,
      tax_behavior: behavior,
      tax_rate_details: { tax_rate: rateId },
      taxability_reason: reason,
      taxable_amount: taxable,
      type: "tax_rate_details",
    },
  ];
  invoice.automatic_tax = { ...invoice.automatic_tax, status: "complete", provider: "stripe", liability: { type: "self" } };
  invoice.customer_address = customer.address ?? null;
  invoice.customer_tax_ids = (ctx.store.customerTaxIds.get(customer.id) ?? []).map((t) => ({ type: t.type, value: t.value }));
  invoice.subtotal_excluding_tax = invoice.subtotal - inclusiveTax;
  invoice.total_excluding_tax = invoice.subtotal - inclusiveTax;
  invoice.total = invoice.subtotal + exclusiveTax;
  invoice.amount_due = Math.max(0, invoice.total + Math.min(0, customer.balance));
  invoice.amount_remaining = invoice.amount_due;
}

/** The tax a Checkout Session shows (`total_details.amount_tax`) for its items at this location. */
export function sessionTax(ctx: SimContext, customer: Stripe.Customer, lines: Pick<LineSpec, "amount">[]): number {
  const { rate } = taxationFor(ctx, customer);
  const inclusive = ctx.store.taxSettings.defaults.tax_behavior === "inclusive";
  return lines.reduce((sum, line) => sum + (inclusive ? 0 : Math.round((line.amount * rate) / 100)), 0);
}

/** Stripe's tax ID types for the countries above (Checkout infers the type from the country). */
export function taxIdTypeFor(country: string): Stripe.TaxId.Type | null {
  if (country === "GB") return "gb_vat";
  return EU.has(country) ? "eu_vat" : null;
}

export function addCustomerTaxId(ctx: SimContext, customer: Stripe.Customer, type: Stripe.TaxId.Type, value: string): Stripe.TaxId {
  const taxId: Stripe.TaxId = {
    id: `txi_${customer.id.slice(4)}${(ctx.store.customerTaxIds.get(customer.id)?.length ?? 0) + 1}`,
    object: "tax_id",
    country: customer.address?.country ?? null,
    created: ctx.clock.now(),
    customer: customer.id,
    customer_account: null,
    livemode: false,
    owner: { customer: customer.id, customer_account: null, type: "customer" },
    type,
    value,
    verification: { status: "pending", verified_address: null, verified_name: null },
  };
  ctx.store.customerTaxIds.set(customer.id, [...(ctx.store.customerTaxIds.get(customer.id) ?? []), taxId]);
  return taxId;
}
