import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createTestUser } from "@/test/fixtures/capacity";
import { stripe } from "./stripe";
import { ensureStripeCustomer } from "./ensure-customer";

const customersOf = async (email: string) => (await stripe().customers.list({ email, limit: 100 })).data;
const storedId = async (id: string) => (await db.user.findUniqueOrThrow({ where: { id }, select: { stripeCustomerId: true } })).stripeCustomerId;

describe("ensureStripeCustomer", () => {
  it("creates one customer for a user, keeps it on the user and reuses it", async () => {
    const user = await createTestUser("customer");
    const id = await ensureStripeCustomer(user);
    expect(id).toMatch(/^cus_/);
    expect(await storedId(user.id)).toBe(id);
    expect(await ensureStripeCustomer(user)).toBe(id);
    const customers = await customersOf(user.email);
    expect(customers.map((c) => c.id)).toEqual([id]);
    expect(customers[0]!.metadata).toEqual({ userId: user.id });
  });

  it("I3: concurrent first checkouts end with one Stripe customer and one stored id", async () => {
    const user = await createTestUser("racer");
    const ids = await Promise.all(Array.from({ length: 4 }, () => ensureStripeCustomer(user)));
    expect(new Set(ids).size).toBe(1);
    expect(await storedId(user.id)).toBe(ids[0]);
    expect((await customersOf(user.email)).map((c) => c.id)).toEqual([ids[0]]);
  });

  it("never replaces a stored customer: the first stored id wins", async () => {
    const user = await createTestUser("kept");
    const existing = await stripe().customers.create({ email: `other-${user.email}` });
    await db.user.update({ where: { id: user.id }, data: { stripeCustomerId: existing.id } });
    expect(await ensureStripeCustomer(user)).toBe(existing.id);
    expect(await customersOf(user.email)).toEqual([]);
  });
});
