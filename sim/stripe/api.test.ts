// Contract: the real stripe client against the stand-in — resources, lists, expand, errors,
// idempotency.
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPlan, createSession, type Rig, startRig } from "./testkit";

let rig: Rig;
beforeEach(async () => {
  rig = await startRig({ webhookUrl: "" });
});
afterEach(() => rig.close());

describe("prices and products", () => {
  it("creates a recurring price with a lookup key and finds it by that key", async () => {
    const price = await createPlan(rig.stripe, { amount: 2500, lookupKey: "lab_medium_monthly" });
    expect(price).toMatchObject({ object: "price", type: "recurring", unit_amount: 2500, currency: "usd", lookup_key: "lab_medium_monthly" });
    expect(price.id).toMatch(/^price_/);
    expect(price.recurring).toMatchObject({ interval: "month", interval_count: 1 });
    expect(String(price.product)).toMatch(/^prod_/);

    const found = await rig.stripe.prices.list({ lookup_keys: ["lab_medium_monthly"], active: true, expand: ["data.product"] });
    expect(found.object).toBe("list");
    expect(found.data.map((p) => p.id)).toEqual([price.id]);
    expect((found.data[0].product as Stripe.Product).name).toBe("Lab lab_medium_monthly");
  });

  it("moves a lookup key only with transfer_lookup_key", async () => {
    const product = await rig.stripe.products.create({ name: "Lab" });
    const first = await rig.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 100, recurring: { interval: "month" }, lookup_key: "k" });
    await expect(
      rig.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 200, recurring: { interval: "month" }, lookup_key: "k" }),
    ).rejects.toMatchObject({ type: "StripeInvalidRequestError", param: "lookup_key" });
    const second = await rig.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 200,
      recurring: { interval: "month" },
      lookup_key: "k",
      transfer_lookup_key: true,
    });
    expect((await rig.stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
    expect((await rig.stripe.prices.list({ lookup_keys: ["k"] })).data.map((p) => p.id)).toEqual([second.id]);
  });
});

describe("customers", () => {
  it("creates, retrieves, updates and lists customers by email", async () => {
    const customer = await rig.stripe.customers.create({ email: "grace@example.test", name: "Grace", metadata: { userId: "u1" } });
    expect(customer.id).toMatch(/^cus_/);
    await rig.stripe.customers.create({ email: "other@example.test" });
    const updated = await rig.stripe.customers.update(customer.id, { name: "Grace H.", metadata: { userId: "", plan: "x" } });
    expect(updated.metadata).toEqual({ plan: "x" });
    expect((await rig.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ name: "Grace H." });
    const byEmail = await rig.stripe.customers.list({ email: "grace@example.test" });
    expect(byEmail.data.map((c) => c.id)).toEqual([customer.id]);
  });

  it("paginates newest first with starting_after", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await rig.stripe.customers.create({ email: `c${i}@example.test` })).id);
    const first = await rig.stripe.customers.list({ limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const c of rig.stripe.customers.list({ limit: 2 })) all.push(c.id);
    expect(all).toEqual([...ids].reverse());
  });
});

describe("checkout sessions", () => {
  it("creates a subscription session with a customer and retrieves it expanded", async () => {
    const price = await createPlan(rig.stripe);
    const customer = await rig.stripe.customers.create({ email: "linus@example.test" });
    const session = await createSession(rig.stripe, price.id, { customer: customer.id, customer_email: undefined });
    expect(session).toMatchObject({
      object: "checkout.session",
      mode: "subscription",
      status: "open",
      payment_status: "unpaid",
      customer: customer.id,
      client_reference_id: "order_1",
      metadata: { orderId: "order_1" },
      amount_total: 1500,
      currency: "usd",
      subscription: null,
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${rig.sim.url}/checkout/${session.id}`);
    expect(session.line_items).toBeUndefined();

    const expanded = await rig.stripe.checkout.sessions.retrieve(session.id, { expand: ["customer", "line_items"] });
    expect((expanded.customer as Stripe.Customer).email).toBe("linus@example.test");
    expect(expanded.line_items?.data[0]).toMatchObject({ object: "item", quantity: 1, amount_total: 1500, price: { id: price.id } });

    const listed = await rig.stripe.checkout.sessions.list({ customer: customer.id });
    expect(listed.data.map((s) => s.id)).toEqual([session.id]);
  });

  it("refuses bad sessions with the parameter named", async () => {
    const price = await createPlan(rig.stripe);
    await expect(rig.stripe.checkout.sessions.create({ mode: "subscription", success_url: "http://x" })).rejects.toMatchObject({
      statusCode: 400,
      param: "line_items",
      code: "parameter_missing",
    });
    await expect(createSession(rig.stripe, "price_missing")).rejects.toMatchObject({
      statusCode: 404,
      param: "line_items[0][price]",
      code: "resource_missing",
    });
    await expect(createSession(rig.stripe, price.id, { customer: "cus_x" })).rejects.toMatchObject({ statusCode: 400, param: "customer_email" });
    await expect(createSession(rig.stripe, price.id, { expires_at: Math.floor(Date.now() / 1000) + 25 * 3600 })).rejects.toMatchObject({ param: "expires_at" });
  });
});

describe("errors", () => {
  it("answers an unknown endpoint with a 404 the SDK raises as StripeInvalidRequestError", async () => {
    const error = await rig.stripe.rawRequest("GET", "/v1/quotes_of_the_day").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 404,
      type: "StripeInvalidRequestError",
      message: expect.stringContaining("Unrecognized request URL (GET: /v1/quotes_of_the_day)"),
    });
  });

  it("raises resource_missing for unknown ids and 401 for keys that are not test secret keys", async () => {
    await expect(rig.stripe.customers.retrieve("cus_nope")).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      message: "No such customer: 'cus_nope'",
    });
    const live = new Stripe("sk_live_nope", { host: "127.0.0.1", port: rig.sim.port, protocol: "http", maxNetworkRetries: 0 });
    await expect(live.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const anonymous = await fetch(`${rig.sim.url}/v1/customers`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.type).toBe("invalid_request_error");
  });
});

describe("idempotency", () => {
  it("replays the first response for the same key and body, and refuses the key with another body", async () => {
    const first = await rig.stripe.customers.create({ email: "idem@example.test" }, { idempotencyKey: "key-1" });
    const again = await rig.stripe.customers.create({ email: "idem@example.test" }, { idempotencyKey: "key-1" });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await rig.stripe.customers.list({ email: "idem@example.test" })).data).toHaveLength(1);

    const mismatch = await rig.stripe.customers.create({ email: "other@example.test" }, { idempotencyKey: "key-1" }).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(mismatch).toMatchObject({ statusCode: 400, type: "StripeIdempotencyError" });
  });

  it("does not save a request that failed validation: the key can be used again for the corrected request", async () => {
    const bad = await rig.stripe.prices
      .create({ currency: "usd", unit_amount: 100, product: "prod_missing" }, { idempotencyKey: "key-2" })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ statusCode: 404 });
    const product = await rig.stripe.products.create({ name: "P" });
    const ok = await rig.stripe.prices.create({ currency: "usd", unit_amount: 100, product: product.id }, { idempotencyKey: "key-2" });
    expect(ok.id).toMatch(/^price_/);
  });
});
