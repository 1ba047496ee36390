import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import { newId } from "../store";
import type { SimContext } from "../types";

export interface CustomerFields {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Stripe.Metadata;
  /** A test clock id: attached at creation only, as at Stripe. */
  testClock?: string | null;
}

export function createCustomer(ctx: SimContext, fields: CustomerFields): Stripe.Customer {
  const customer: Stripe.Customer = {
    id: newId("cus_", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: ctx.clock.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: fields.description ?? null,
    discount: null,
    email: fields.email ?? null,
    // Invoice numbers are "<prefix>-<sequence>", the prefix unique per customer.
    invoice_prefix: randomBytes(4).toString("hex").toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    next_invoice_sequence: 1,
    phone: fields.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: fields.testClock ?? null,
  };
  ctx.store.customers.set(customer.id, customer);
  ctx.events.emit("customer.created", customer);
  return customer;
}
