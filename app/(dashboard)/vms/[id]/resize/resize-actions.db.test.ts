// The resize page's actions and page through the real wrapper and session helpers; only Auth.js's
// auth() is replaced by a settable session. Field checks and ownership need no Stripe call.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { db } from "@/lib/db";
import { idleState } from "@/lib/actions/form-state";
import { seedResourcePrices } from "@/lib/catalog/seed-data";
import { createUser, createVmFixture, digestOf, formData, NOT_FOUND_DIGEST as NOT_FOUND } from "@/test/fixtures/vm";
import { payResizeFormAction, quoteResizeFormAction } from "./actions";
import ResizePage from "./page";

beforeAll(async () => {
  for (const price of seedResourcePrices) await db.resourcePrice.upsert({ where: { kind: price.kind }, create: price, update: {} });
});
beforeEach(() => {
  session.userId = null;
});

async function vmWithLimits() {
  const fixture = await createVmFixture({ status: "running", nodeName: null });
  await db.plan.update({ where: { id: fixture.plan.id }, data: { maxVcpus: 4, maxRamGb: 8, maxDiskGb: 100 } });
  return fixture;
}
const totals = (vmId: string, vcpus: string, ramGb: string, diskGb: string) => formData({ vmId, vcpus, ramGb, diskGb });

describe("resize actions", () => {
  it("I10: refuses a shrinking disk, totals beyond the plan and non-numbers with field errors, writing nothing", async () => {
    const { userId, vm } = await vmWithLimits();
    session.userId = userId;
    const shrink = await quoteResizeFormAction(idleState, totals(vm.id, "2", "4", "30"));
    expect(shrink.status).toBe("error");
    expect(shrink.fieldErrors?.diskGb).toMatch(/can only grow/);
    const tooBig = await quoteResizeFormAction(idleState, totals(vm.id, "9", "64", "45"));
    expect(tooBig.fieldErrors).toMatchObject({
      vcpus: expect.stringMatching(/at most 4/),
      ramGb: expect.stringMatching(/at most 8/),
      diskGb: expect.stringMatching(/steps of 10/),
    });
    const junk = await quoteResizeFormAction(idleState, totals(vm.id, "two", "4", "40"));
    expect(junk.fieldErrors?.vcpus).toMatch(/whole number/);
    const same = await quoteResizeFormAction(idleState, totals(vm.id, "2", "4", "40"));
    expect(same.fieldErrors?.vcpus).toMatch(/different/);
    expect(await db.resizeRequest.count({ where: { vmId: vm.id } })).toBe(0);
  });

  it("I5: another user's VM is a 404 for the page, the price check and the payment", async () => {
    const { vm } = await vmWithLimits();
    const other = await createUser();
    session.userId = other.id;
    expect(await digestOf(quoteResizeFormAction(idleState, totals(vm.id, "4", "8", "60")))).toBe(NOT_FOUND);
    expect(await digestOf(ResizePage({ params: Promise.resolve({ id: vm.id }), searchParams: Promise.resolve({}) }))).toBe(NOT_FOUND);
    const quote = await db.resizeRequest.create({
      data: {
        vmId: vm.id,
        userId: vm.userId,
        stripeSubscriptionId: "sub_x",
        fromVcpus: 2,
        fromRamGb: 4,
        fromDiskGb: 40,
        vcpus: 4,
        ramGb: 8,
        diskGb: 60,
        prorationDate: 0,
        amountDueMinor: 100,
        newMonthlyMinor: 4000,
        currency: "usd",
        targetItems: { update: [], expected: [] },
      },
    });
    expect(await digestOf(payResizeFormAction(idleState, formData({ vmId: vm.id, resizeRequestId: quote.id })))).toBe(NOT_FOUND);
    expect((await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.id } })).status).toBe("quoted");
  });

  it("a VM without a subscription is refused with a clear message before any Stripe call", async () => {
    const { userId, vm } = await vmWithLimits();
    session.userId = userId;
    const state = await quoteResizeFormAction(idleState, totals(vm.id, "4", "8", "60"));
    expect(state).toMatchObject({ status: "error", message: "This VM has no active subscription to change." });
  });
});
