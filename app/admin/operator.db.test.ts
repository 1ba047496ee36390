// The operator's console (issue 22, Build 1): finding customers, the business figures, enabling
// and disabling, power from /admin audited as the operator; and a customer refused (403) by every
// /admin action there is (each actions.ts under app/admin, found by glob so a new one is covered).
import { beforeEach, describe, expect, it, vi } from "vitest";

const cookie = vi.hoisted(() => ({ value: null as null | { user: { id: string }; sessionToken: string } }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", () => ({ auth: async () => cookie.value }));

import { db } from "@/lib/db";
import { idleState, type FormState } from "@/lib/actions/form-state";
import { startSession } from "@/lib/auth/auth-session";
import { findCustomers } from "@/lib/admin/find-customers";
import { monthlyRecurringRevenue } from "@/lib/admin/business-figures";
import { disableUserAction, enableUserAction } from "@/app/admin/actions";
import { adminPowerAction } from "@/app/admin/customers/[id]/actions";
import { createUser, createVmFixture, digestOf, formData, uniqueTag } from "@/test/fixtures/vm";

async function signInAs(role: "admin" | "customer") {
  const user = await createUser(role);
  cookie.value = { user: { id: user.id }, sessionToken: await startSession(user.id) };
  return user;
}

beforeEach(() => {
  cookie.value = null;
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

describe("finding a customer", () => {
  it("by part of the email or name, a VM's hostname, or a Stripe id", async () => {
    const tag = uniqueTag();
    const { userId, vm } = await createVmFixture();
    await db.user.update({ where: { id: userId }, data: { name: `Ada ${tag}`, stripeCustomerId: `cus_${tag}` } });
    await db.vm.update({ where: { id: vm.id }, data: { sshHostname: `lab-${tag}.lab.localhost` } });
    const email = (await db.user.findUniqueOrThrow({ where: { id: userId } })).email;
    for (const q of [email.slice(0, 12).toUpperCase(), `ada ${tag}`, `lab-${tag}`, `cus_${tag}`]) {
      expect(
        (await findCustomers(q)).map((c) => c.id),
        q,
      ).toContain(userId);
    }
    expect(await findCustomers(`cus_${tag}x`)).toEqual([]);
  });
});

describe("monthly recurring revenue", () => {
  it("adds the billing subscriptions' items at the catalogue's prices and leaves unknown prices out", async () => {
    const before = await monthlyRecurringRevenue();
    const { userId, vm } = await createVmFixture();
    const plan = await db.plan.findFirstOrThrow({ where: { id: vm.planId } });
    const priceId = `price_mrr_${uniqueTag()}`;
    await db.plan.update({ where: { id: plan.id }, data: { stripeMonthlyPriceId: priceId } });
    await db.subscription.create({
      data: {
        stripeSubscriptionId: `sub_${uniqueTag()}`,
        stripeCustomerId: "cus_x",
        userId,
        orderId: vm.orderId,
        status: "active",
        items: {
          create: [
            { stripeItemId: `si_${uniqueTag()}`, stripePriceId: priceId, quantity: 1, currentPeriodStart: new Date(), currentPeriodEnd: new Date() },
            { stripeItemId: `si_${uniqueTag()}`, stripePriceId: "price_unknown", quantity: 2, currentPeriodStart: new Date(), currentPeriodEnd: new Date() },
          ],
        },
      },
    });
    const after = await monthlyRecurringRevenue();
    const usd = (m: typeof after) => m.byCurrency.find((c) => c.currency === "usd")?.minor ?? 0;
    expect(usd(after) - usd(before)).toBe(plan.monthlyPriceMinor);
    expect(after.unknownItems - before.unknownItems).toBe(1);
  });
});

describe("acting from /admin", () => {
  it("disables and enables an account, each audited as the operator", async () => {
    const admin = await signInAs("admin");
    const customer = await createUser();
    expect(await disableUserAction(idleState, formData({ userId: customer.id }))).toMatchObject({ status: "success" });
    expect(await enableUserAction(idleState, formData({ userId: customer.id }))).toMatchObject({ status: "success" });
    expect((await db.user.findUniqueOrThrow({ where: { id: customer.id } })).disabledAt).toBeNull();
    expect(await enableUserAction(idleState, formData({ userId: customer.id }))).toMatchObject({ status: "error", message: "This account is not disabled." });
    const audit = await db.auditEvent.findMany({ where: { subjectId: customer.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => [a.action, a.actorType, a.actorId])).toEqual([
      ["user.disabled", "admin", admin.id],
      ["user.enabled", "admin", admin.id],
    ]);
  });

  it("I2: a power action from /admin records the owner's request and audits it as the operator", async () => {
    const admin = await signInAs("admin");
    const { userId, vm } = await createVmFixture({ status: "running" });
    const result = await adminPowerAction(idleState, formData({ vmId: vm.id, action: "shutdown" }));
    expect(result).toEqual({ status: "success", message: "Queued: shutdown." });
    const request = await db.powerRequest.findFirstOrThrow({ where: { vmId: vm.id } });
    expect(request).toMatchObject({ userId, action: "shutdown" });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectId: vm.id, action: "vm.power_requested" } });
    expect(audit).toMatchObject({ actorType: "admin", actorId: admin.id });
    expect(await adminPowerAction(idleState, formData({ vmId: vm.id, action: "explode" }))).toMatchObject({
      status: "error",
      fieldErrors: { action: expect.any(String) },
    });
  });

  it("a customer gets 403 from every /admin action, and nothing is written", async () => {
    await signInAs("customer");
    const modules = import.meta.glob<Record<string, unknown>>("./**/actions.ts");
    const actions = [];
    for (const [path, load] of Object.entries(modules)) {
      for (const [name, fn] of Object.entries(await load()))
        if (typeof fn === "function") actions.push({ name: `${path}#${name}`, fn: fn as (s: FormState, f: FormData) => Promise<FormState> });
    }
    expect(actions.length).toBeGreaterThanOrEqual(14);
    const audits = await db.auditEvent.count();
    for (const { name, fn } of actions)
      expect(await digestOf(fn(idleState, formData({ userId: "x", vmId: "x", orderId: "x" }))), name).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(await db.auditEvent.count()).toBe(audits);
  });
});
