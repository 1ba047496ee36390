import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import { createTestPlan } from "@/test/fixtures/capacity";
import { stripe } from "./stripe";
import { ensurePlanPrice, priceLookupKey, productIdFor } from "./ensure-plan-price";

const pricesFor = async (slug: string, interval: "month" | "year") =>
  (await stripe().prices.list({ lookup_keys: [priceLookupKey(slug, interval)], limit: 100 })).data;
const reload = (id: string) => db.plan.findUniqueOrThrow({ where: { id } });

describe("ensurePlanPrice", () => {
  it("creates the product and a monthly price once, stores its id, and a second call creates nothing", async () => {
    const plan = await createTestPlan({ vcpus: 2, ramGb: 4, diskGb: 40, monthlyPriceMinor: 1234 });
    const first = await ensurePlanPrice(plan, "month");
    expect(first).toMatchObject({
      unit_amount: 1234,
      currency: "usd",
      lookup_key: `labvps_${plan.slug}_month`,
      product: productIdFor(plan.slug),
      recurring: { interval: "month", interval_count: 1 },
      active: true,
    });
    expect((await reload(plan.id)).stripeMonthlyPriceId).toBe(first.id);

    const second = await ensurePlanPrice(await reload(plan.id), "month");
    expect(second.id).toBe(first.id);
    expect((await pricesFor(plan.slug, "month")).map((p) => p.id)).toEqual([first.id]);
    expect((await stripe().prices.list({ product: productIdFor(plan.slug), limit: 100 })).data).toHaveLength(1);
  });

  it("keeps the yearly price apart, on the same product", async () => {
    const plan = await createTestPlan({ vcpus: 2, ramGb: 4, diskGb: 40, monthlyPriceMinor: 1000, yearlyPriceMinor: 10_000 });
    const month = await ensurePlanPrice(plan, "month");
    const year = await ensurePlanPrice(await reload(plan.id), "year");
    expect(year).toMatchObject({ unit_amount: 10_000, recurring: { interval: "year" }, product: month.product });
    expect(await reload(plan.id)).toMatchObject({ stripeMonthlyPriceId: month.id, stripeYearlyPriceId: year.id });
  });

  it("I10: refuses a yearly price for a plan sold monthly only, creating nothing", async () => {
    const plan = await createTestPlan({ vcpus: 2, ramGb: 4, diskGb: 40, yearlyPriceMinor: null });
    const error = await ensurePlanPrice(plan, "year").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FieldError);
    expect(error).toMatchObject({ field: "interval", message: "This plan is sold monthly only." });
    expect(await pricesFor(plan.slug, "year")).toEqual([]);
    expect((await reload(plan.id)).stripeYearlyPriceId).toBeNull();
  });

  it("a changed plan price gets a new Stripe price, which takes the lookup key over", async () => {
    const plan = await createTestPlan({ vcpus: 2, ramGb: 4, diskGb: 40, monthlyPriceMinor: 2000 });
    const old = await ensurePlanPrice(plan, "month");
    const repriced = await db.plan.update({ where: { id: plan.id }, data: { monthlyPriceMinor: 2500 } });
    const current = await ensurePlanPrice(repriced, "month");
    expect(current.id).not.toBe(old.id);
    expect(current).toMatchObject({ unit_amount: 2500, product: old.product });
    expect((await pricesFor(plan.slug, "month")).map((p) => p.id)).toEqual([current.id]);
    expect((await stripe().prices.retrieve(old.id)).lookup_key).toBeNull(); // kept for subscriptions already on it
    expect((await reload(plan.id)).stripeMonthlyPriceId).toBe(current.id);
  });
});
