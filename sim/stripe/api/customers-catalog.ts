// /v1/customers, /v1/products, /v1/prices
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { createdMatches, paginate } from "../list";
import { createPrice, createProduct, updatePrice, updateProduct } from "../objects/catalog";
import { createCustomer } from "../objects/customer";
import { requireCustomerPaymentMethod } from "../payment-methods";
import { timeOf } from "../test-clocks";
import { route } from "./router";

export const customerCatalogRoutes = [
  route(
    "POST",
    "/v1/customers",
    accepts<Stripe.CustomerCreateParams>({ email: true, name: true, description: true, phone: true, metadata: true, test_clock: true }),
    ({ ctx, params: p }) => {
      // Attached at creation only; the customer then lives at the clock's frozen time.
      const testClock = p.str("test_clock");
      if (testClock) ctx.store.testClock(testClock, "test_clock");
      const fields = { email: p.str("email"), name: p.str("name"), description: p.str("description"), phone: p.str("phone"), metadata: p.mergeMetadata({}) };
      return ctx.clock.runAt(timeOf(ctx, testClock ?? null), () => createCustomer(ctx, { ...fields, testClock: testClock ?? null }));
    },
  ),
  route("GET", "/v1/customers/:id", accepts<Stripe.CustomerRetrieveParams>({}), ({ ctx }, id) => ctx.store.customer(id, "id")),
  route(
    "POST",
    "/v1/customers/:id",
    accepts<Stripe.CustomerUpdateParams>({
      email: true,
      name: true,
      description: true,
      phone: true,
      metadata: true,
      invoice_settings: { default_payment_method: true },
    }),
    ({ ctx, params: p }, id) => {
      const customer = ctx.store.customer(id, "id");
      ctx.events.update("customer.updated", customer, () => {
        if (p.has("email")) customer.email = p.nullableStr("email") ?? null;
        if (p.has("name")) customer.name = p.nullableStr("name") ?? null;
        if (p.has("description")) customer.description = p.nullableStr("description") ?? null;
        if (p.has("phone")) customer.phone = p.nullableStr("phone") ?? null;
        if (p.has("metadata")) customer.metadata = p.mergeMetadata(customer.metadata);
        const defaultPm = p.obj("invoice_settings")?.nullableStr("default_payment_method");
        if (defaultPm) requireCustomerPaymentMethod(ctx, customer.id, defaultPm, "invoice_settings[default_payment_method]");
        if (defaultPm !== undefined) customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: defaultPm };
      });
      return customer;
    },
  ),
  route("GET", "/v1/customers", accepts<Stripe.CustomerListParams>({ ...PAGE, email: true, created: true, test_clock: true }), ({ ctx, params: p }) => {
    const email = p.str("email");
    // Stripe leaves customers on a test clock out unless the clock is named (CustomerListParams.test_clock).
    const testClock = p.str("test_clock") ?? null;
    const customers = [...ctx.store.customers.values()].filter(
      (c) => (email === undefined || c.email === email) && createdMatches(p, c.created) && (c.test_clock ?? null) === testClock,
    );
    return paginate(customers, p, "/v1/customers");
  }),

  route(
    "POST",
    "/v1/products",
    accepts<Stripe.ProductCreateParams>({ id: true, name: true, active: true, description: true, metadata: true }),
    ({ ctx, params }) => createProduct(ctx, params),
  ),
  route("GET", "/v1/products/:id", accepts<Stripe.ProductRetrieveParams>({}), ({ ctx }, id) => ctx.store.product(id, "id")),
  route(
    "POST",
    "/v1/products/:id",
    accepts<Stripe.ProductUpdateParams>({ name: true, description: true, active: true, metadata: true }),
    ({ ctx, params }, id) => updateProduct(ctx, ctx.store.product(id, "id"), params),
  ),
  route("GET", "/v1/products", accepts<Stripe.ProductListParams>({ ...PAGE, active: true, ids: true }), ({ ctx, params: p }) => {
    const active = p.bool("active");
    const ids = p.strList("ids");
    const products = [...ctx.store.products.values()].filter(
      (product) => (active === undefined || product.active === active) && (!ids.length || ids.includes(product.id)),
    );
    return paginate(products, p, "/v1/products");
  }),

  route(
    "POST",
    "/v1/prices",
    accepts<Stripe.PriceCreateParams>({
      currency: true,
      unit_amount: true,
      product: true,
      product_data: { id: true, name: true, active: true, metadata: true },
      recurring: { interval: true, interval_count: true },
      active: true,
      lookup_key: true,
      transfer_lookup_key: true,
      metadata: true,
      nickname: true,
    }),
    ({ ctx, params }) => createPrice(ctx, params),
  ),
  route("GET", "/v1/prices/:id", accepts<Stripe.PriceRetrieveParams>({}), ({ ctx }, id) => ctx.store.price(id, "id")),
  route(
    "POST",
    "/v1/prices/:id",
    accepts<Stripe.PriceUpdateParams>({ active: true, nickname: true, lookup_key: true, transfer_lookup_key: true, metadata: true }),
    ({ ctx, params }, id) => updatePrice(ctx, ctx.store.price(id, "id"), params),
  ),
  route(
    "GET",
    "/v1/prices",
    accepts<Stripe.PriceListParams>({ ...PAGE, active: true, lookup_keys: true, product: true, type: true, currency: true }),
    ({ ctx, params: p }) => {
      const active = p.bool("active");
      const lookupKeys = p.strList("lookup_keys");
      const product = p.str("product");
      const type = p.str("type");
      const currency = p.str("currency");
      const prices = [...ctx.store.prices.values()].filter(
        (price) =>
          (active === undefined || price.active === active) &&
          (!lookupKeys.length || (price.lookup_key !== null && lookupKeys.includes(price.lookup_key))) &&
          (product === undefined || price.product === product) &&
          (type === undefined || price.type === type) &&
          (currency === undefined || price.currency === currency),
      );
      return paginate(prices, p, "/v1/prices");
    },
  ),
];
