// Checkout's tax parameters, as Stripe checks them at session creation, and what the hosted page
// collects for them: `automatic_tax[enabled]`, `billing_address_collection` (auto | required),
// `tax_id_collection[enabled]` and `customer_update[address|name|shipping]` (auto | never, only with
// `customer`). Stripe's refusals (quoted in ./tax.ts): automatic tax while Stripe Tax is not active;
// automatic tax for an existing customer with no address unless Checkout may save one
// (`customer_update[address]` or `[shipping]` = auto); tax ID collection for an existing customer
// unless Checkout may save the business name (`customer_update[name]` = auto).
import type Stripe from "stripe";
import { invalidRequest } from "./errors";
import type { Params } from "./params";
import { addCustomerTaxId, addressFrom, hasTaxLocation, requireTaxReady, sessionTax, TAX_ID_NAME_MESSAGE, TAX_LOCATION_MESSAGE, taxIdTypeFor } from "./tax";
import type { SimContext } from "./types";

const AUTO_NEVER = ["auto", "never"] as const;

export interface CheckoutTax {
  automaticTax: boolean;
  billingAddressCollection: "auto" | "required" | null;
  taxIdCollection: boolean;
  customerUpdate: { address: "auto" | "never"; name: "auto" | "never"; shipping: "auto" | "never" } | null;
}

export function readCheckoutTax(ctx: SimContext, p: Params, customer: Stripe.Customer | null): CheckoutTax {
  const update = p.obj("customer_update");
  if (update && !customer) {
    throw invalidRequest("`customer_update` can only be used with `customer`.", { param: "customer_update" });
  }
  const customerUpdate = update
    ? {
        address: update.oneOf("address", AUTO_NEVER) ?? "never",
        name: update.oneOf("name", AUTO_NEVER) ?? "never",
        shipping: update.oneOf("shipping", AUTO_NEVER) ?? "never",
      }
    : null;
  const automaticTax = p.obj("automatic_tax")?.bool("enabled") ?? false;
  const taxIdCollection = p.obj("tax_id_collection")?.bool("enabled") ?? false;
  const billingAddressCollection = p.oneOf("billing_address_collection", ["auto", "required"] as const) ?? null;
  if (automaticTax) {
    requireTaxReady(ctx, "automatic_tax[enabled]");
    const maySave = customerUpdate?.address === "auto" || customerUpdate?.shipping === "auto";
    if (customer && !hasTaxLocation(customer) && !maySave) {
      throw invalidRequest(TAX_LOCATION_MESSAGE, { param: "automatic_tax[enabled]", code: "customer_tax_location_invalid" });
    }
  }
  if (taxIdCollection && customer && customerUpdate?.name !== "auto") {
    throw invalidRequest(TAX_ID_NAME_MESSAGE, { param: "tax_id_collection[enabled]" });
  }
  return { automaticTax, billingAddressCollection, taxIdCollection, customerUpdate };
}

/** What the session object shows of these settings. */
export function sessionTaxFields(tax: CheckoutTax): Partial<Stripe.Checkout.Session> {
  return {
    automatic_tax: tax.automaticTax
      ? { enabled: true, liability: { type: "self" }, provider: "stripe", status: "requires_location_inputs" }
      : { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: tax.billingAddressCollection,
    tax_id_collection: { enabled: tax.taxIdCollection, required: "never" },
  };
}

/** Automatic tax asks for the address it needs; `required` asks for a full one. */
export function addressFieldsNeeded(tax: CheckoutTax, customer: Stripe.Customer | null): "none" | "tax" | "full" {
  if (tax.billingAddressCollection === "required") return "full";
  if (tax.automaticTax && !(customer && hasTaxLocation(customer) && tax.customerUpdate?.address !== "auto")) return "tax";
  return "none";
}

export interface BillingDetails {
  country?: string;
  line1?: string;
  city?: string;
  postalCode?: string;
  /** Tax ID collection: buying as a business. */
  businessName?: string;
  taxId?: string;
}

/** The hosted page's check of what was entered; a message to show, or null. */
export function billingDetailsProblem(tax: CheckoutTax, customer: Stripe.Customer | null, details: BillingDetails): string | null {
  const needed = addressFieldsNeeded(tax, customer);
  const country = details.country?.trim().toUpperCase() ?? "";
  if (needed !== "none") {
    if (!/^[A-Z]{2}$/.test(country)) return "Your billing address is incomplete: choose a country.";
    if (!details.postalCode?.trim()) return "Your billing address is incomplete: enter a postal code.";
    if (needed === "full" && (!details.line1?.trim() || !details.city?.trim())) return "Your billing address is incomplete.";
  }
  if (tax.taxIdCollection && (details.businessName?.trim() || details.taxId?.trim())) {
    const type = taxIdTypeFor(country || customer?.address?.country || "");
    const value = details.taxId?.replace(/\s/g, "").toUpperCase() ?? "";
    if (!details.businessName?.trim()) return "Enter the business name for your tax ID.";
    if (!type || !new RegExp(`^${type === "gb_vat" ? "GB" : country}[0-9A-Z]{8,12}$`).test(value)) return "Your tax ID is invalid.";
  }
  return null;
}

/**
 * On payment: the address and business name go to the customer (always for a customer Checkout
 * creates; for an existing one only where `customer_update` says auto), the tax ID to its tax IDs,
 * and the session shows the details and the tax.
 */
export function applyBillingDetails(
  ctx: SimContext,
  session: Stripe.Checkout.Session,
  tax: CheckoutTax,
  customer: Stripe.Customer,
  created: boolean,
  details: BillingDetails,
) {
  const country = details.country?.trim().toUpperCase();
  const address = country ? addressFrom({ line1: details.line1, city: details.city, postal_code: details.postalCode }, country) : null;
  const business = tax.taxIdCollection && details.businessName?.trim() ? details.businessName.trim() : null;
  ctx.events.update("customer.updated", customer, () => {
    if (address && (created || tax.customerUpdate?.address === "auto")) customer.address = address;
    if (business && (created || tax.customerUpdate?.name === "auto")) customer.name = business;
  });
  const taxId =
    business && details.taxId
      ? addCustomerTaxId(ctx, customer, taxIdTypeFor(customer.address?.country ?? country ?? "")!, details.taxId.replace(/\s/g, "").toUpperCase())
      : null;
  session.customer_details = {
    address: address ?? customer.address ?? null,
    business_name: business,
    email: customer.email,
    individual_name: null,
    name: customer.name ?? null,
    phone: null,
    tax_exempt: "none",
    tax_ids: taxId ? [{ type: taxId.type, value: taxId.value }] : [],
  };
  if (tax.automaticTax) {
    const amountTax = sessionTax(ctx, customer, [{ amount: session.amount_subtotal ?? 0 }]);
    session.automatic_tax = { ...session.automatic_tax, status: "complete" };
    session.total_details = { amount_discount: 0, amount_shipping: 0, amount_tax: amountTax };
    session.amount_total = (session.amount_subtotal ?? 0) + amountTax;
  }
}
