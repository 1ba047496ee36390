// The operator's resize pricing (issue 10 §1) through the real session helpers and action wrapper:
// admin only, field-level errors with nothing written (I10), audited changes, and a new unit price
// reaching Stripe as a new price under the same lookup key.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { db } from "@/lib/db";
import { idleState } from "@/lib/actions/form-state";
import { stripe } from "@/lib/billing/stripe";
import { seedResourcePrices } from "@/lib/catalog/seed-data";
import { ensureResourcePrice, resourceLookupKey } from "@/lib/resize/ensure-resource-price";
import { renderPage, textOf } from "@/test/fixtures/render";
import { createPlan, createUser, digestOf, formData } from "@/test/fixtures/vm";
import AdminPricingPage from "./page";
import { updatePlanLimitsAction, updateResourcePriceAction } from "./actions";

const FORBIDDEN = "NEXT_HTTP_ERROR_FALLBACK;403";

let adminId: string;
let customerId: string;
beforeAll(async () => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  adminId = (await createUser("admin")).id;
  customerId = (await createUser()).id;
  for (const price of seedResourcePrices) await db.resourcePrice.upsert({ where: { kind: price.kind }, create: price, update: {} });
});
afterAll(async () => {
  // Later files price resizes with the seeded amounts.
  for (const price of seedResourcePrices) await db.resourcePrice.update({ where: { kind: price.kind }, data: { unitAmountMinor: price.unitAmountMinor } });
});
beforeEach(() => {
  session.userId = null;
});

const priceAudits = () => db.auditEvent.count({ where: { action: "pricing.resource_price_updated", actorId: adminId } });

describe("/admin/pricing", () => {
  it("I5: a customer gets 403 from the page and from both actions; nothing changes", async () => {
    session.userId = customerId;
    expect(await digestOf(AdminPricingPage())).toBe(FORBIDDEN);
    expect(await digestOf(updateResourcePriceAction(idleState, formData({ kind: "vcpu", amount: "1" })))).toBe(FORBIDDEN);
    const plan = await createPlan();
    expect(await digestOf(updatePlanLimitsAction(idleState, formData({ planId: plan.id, maxVcpus: "9", maxRamGb: "9", maxDiskGb: "99" })))).toBe(FORBIDDEN);
    expect((await db.resourcePrice.findUniqueOrThrow({ where: { kind: "vcpu" } })).unitAmountMinor).toBe(400);
    expect((await db.plan.findUniqueOrThrow({ where: { id: plan.id } })).maxVcpus).toBeNull();
  });

  it("I10: a unit price is validated field by field, saved once and audited; Stripe gets a new price under the same lookup key", async () => {
    session.userId = adminId;
    const html = textOf(await renderPage(AdminPricingPage()));
    expect(html).toContain("Each extra vCPU");
    expect(html).toContain("Each extra 10 GB of disk");
    const audits = await priceAudits();
    await ensureResourcePrice(await db.resourcePrice.findUniqueOrThrow({ where: { kind: "vcpu" } })); // today's price exists at Stripe
    for (const amount of ["abc", "0", "-1", "4.555", ""]) {
      const state = await updateResourcePriceAction(idleState, formData({ kind: "vcpu", amount }));
      expect(state, amount).toMatchObject({ status: "error", fieldErrors: { amount: expect.any(String) } });
    }
    expect(await updateResourcePriceAction(idleState, formData({ kind: "gpu", amount: "1" }))).toMatchObject({ fieldErrors: { kind: "Unknown resource." } });
    expect((await db.resourcePrice.findUniqueOrThrow({ where: { kind: "vcpu" } })).unitAmountMinor).toBe(400);

    expect(await updateResourcePriceAction(idleState, formData({ kind: "vcpu", amount: "5.25" }))).toMatchObject({ status: "success" });
    expect(await updateResourcePriceAction(idleState, formData({ kind: "vcpu", amount: "5.25" }))).toMatchObject({ status: "success" }); // unchanged: no audit
    const row = await db.resourcePrice.findUniqueOrThrow({ where: { kind: "vcpu" } });
    expect(row.unitAmountMinor).toBe(525);
    expect(await priceAudits()).toBe(audits + 1);

    const price = await ensureResourcePrice(row);
    expect(price).toMatchObject({ unit_amount: 525, lookup_key: resourceLookupKey("vcpu"), recurring: expect.objectContaining({ interval: "month" }) });
    const { data } = await stripe().prices.list({ lookup_keys: [resourceLookupKey("vcpu")], active: true });
    expect(data.map((p) => p.id)).toEqual([price.id]);

    // Back to the old amount: the lookup key moves to a price of that amount again (not a replay of the first one).
    expect(await updateResourcePriceAction(idleState, formData({ kind: "vcpu", amount: "4" }))).toMatchObject({ status: "success" });
    const back = await ensureResourcePrice(await db.resourcePrice.findUniqueOrThrow({ where: { kind: "vcpu" } }));
    expect(back).toMatchObject({ unit_amount: 400, lookup_key: resourceLookupKey("vcpu") });
    const listed = await stripe().prices.list({ lookup_keys: [resourceLookupKey("vcpu")], active: true });
    expect(listed.data.map((p) => p.unit_amount)).toEqual([400]);
  });

  it("I10: plan maximums never go below the plan's own size; a valid change is saved and audited", async () => {
    session.userId = adminId;
    const plan = await createPlan(); // 2 vCPU, 4 GB, 40 GB
    const below = await updatePlanLimitsAction(idleState, formData({ planId: plan.id, maxVcpus: "1", maxRamGb: "8", maxDiskGb: "100" }));
    expect(below).toMatchObject({ status: "error", fieldErrors: { maxVcpus: "The plan itself has 2 vCPUs." } });
    const junk = await updatePlanLimitsAction(idleState, formData({ planId: plan.id, maxVcpus: "x", maxRamGb: "99999", maxDiskGb: "100" }));
    expect(junk).toMatchObject({ status: "error", fieldErrors: { maxVcpus: expect.any(String), maxRamGb: "At most 2048." } });
    expect((await db.plan.findUniqueOrThrow({ where: { id: plan.id } })).maxVcpus).toBeNull();

    expect(await updatePlanLimitsAction(idleState, formData({ planId: plan.id, maxVcpus: "8", maxRamGb: "16", maxDiskGb: "200" }))).toMatchObject({
      status: "success",
    });
    expect(await db.plan.findUniqueOrThrow({ where: { id: plan.id } })).toMatchObject({ maxVcpus: 8, maxRamGb: 16, maxDiskGb: 200 });
    expect(await db.auditEvent.count({ where: { action: "pricing.plan_limits_updated", subjectId: plan.id, actorId: adminId } })).toBe(1);
  });
});
