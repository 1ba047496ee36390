// One billing clock (DESIGN §3 Enforcement): every billing decision about a customer — the ladder's
// rungs, grace, retention, deletion, refund deadlines, checkout expiry, proration dates — measures
// time on the clock that customer's Stripe objects live on. In production that is real time. In a
// billing rehearsal (Stripe test mode) the operator puts an account on a Stripe test clock before
// its Stripe customer exists (Stripe attaches clocks only at customer creation); from then on the
// account's time is the clock's `frozen_time`, which moves when the operator advances the clock in
// the Dashboard (or the stand-in's page). The clock is re-read from Stripe when it matters and kept
// in `billing_clocks`, so the ladder tick can use every account's time in one SQL pass.
import { z } from "zod";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { stripe } from "@/lib/billing/stripe";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

/** Test-mode keys only: a test clock in live mode does not exist, and must never be asked for. */
export const isStripeTestMode = () => /^(sk|rk)_test_/.test(env().STRIPE_SECRET_KEY);

/** Stores a clock read, never moving the stored time backwards (reads may arrive out of order). */
async function storeClock(id: string, frozenTime: Date, status: string) {
  await db.$executeRaw`
    INSERT INTO billing_clocks (id, frozen_time, status, read_at) VALUES (${id}, ${frozenTime}, ${status}, now())
    ON CONFLICT (id) DO UPDATE SET
      frozen_time = GREATEST(billing_clocks.frozen_time, EXCLUDED.frozen_time),
      status = CASE WHEN EXCLUDED.frozen_time >= billing_clocks.frozen_time THEN EXCLUDED.status ELSE billing_clocks.status END,
      read_at = now()`;
}

/** Re-reads a test clock from Stripe (a webhook is a signal, Stripe the authority) and keeps it. */
export async function refreshBillingClock(testClockId: string): Promise<Date> {
  const clock = await stripe().testHelpers.testClocks.retrieve(testClockId);
  const frozen = new Date(clock.frozen_time * 1000);
  await storeClock(clock.id, frozen, clock.status);
  return frozen;
}

/** Now, on the user's billing clock: their test clock's frozen time, or real time. */
export async function billingNowForUser(userId: string): Promise<Date> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { stripeTestClockId: true } });
  return user?.stripeTestClockId ? refreshBillingClock(user.stripeTestClockId) : new Date();
}

export const attachTestClockSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter the account's email address.").max(254, "That email is too long."),
});

/**
 * The operator puts an account on a fresh Stripe test clock for a billing rehearsal (audited).
 * Test mode only, and only before the account has a Stripe customer: Stripe attaches a clock to a
 * customer when it is created, so the account's first checkout creates its customer on the clock.
 */
export async function attachTestClock(input: { userId: string; adminId: string; frozenTime?: Date }): Promise<{ testClockId: string; frozenTime: Date }> {
  if (!isStripeTestMode()) throw new UserFacingError("Test clocks exist only in Stripe test mode: this installation uses live keys.");
  const user = await db.user.findUnique({ where: { id: input.userId }, select: { email: true, stripeCustomerId: true, stripeTestClockId: true } });
  if (!user) throw new UserFacingError("There is no account with that email.");
  if (user.stripeTestClockId) throw new UserFacingError("That account is on a test clock already.");
  if (user.stripeCustomerId) {
    throw new UserFacingError("That account already has a Stripe customer: Stripe attaches a test clock only when the customer is created. Use a new account.");
  }
  const frozenTime = Math.floor((input.frozenTime ?? new Date()).getTime() / 1000);
  const clock = await stripe().testHelpers.testClocks.create(
    { frozen_time: frozenTime, name: `Lab VPS rehearsal: ${user.email}`.slice(0, 300) },
    { idempotencyKey: `test-clock-${input.userId}` },
  );
  await storeClock(clock.id, new Date(clock.frozen_time * 1000), clock.status);
  const { count } = await db.user.updateMany({
    where: { id: input.userId, stripeTestClockId: null, stripeCustomerId: null },
    data: { stripeTestClockId: clock.id },
  });
  if (count !== 1) throw new UserFacingError("That account changed meanwhile (a checkout started). Nothing was attached; use a new account.");
  await recordAudit(
    { type: "admin", id: input.adminId },
    "billing.test_clock_attached",
    { type: "user", id: input.userId },
    { testClockId: clock.id, frozenTime },
  );
  return { testClockId: clock.id, frozenTime: new Date(frozenTime * 1000) };
}

/** The operator's form: the account by email. */
export async function attachTestClockByEmail(email: string, adminId: string) {
  const user = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw new UserFacingError("There is no account with that email.");
  return attachTestClock({ userId: user.id, adminId });
}

/** Accounts on a test clock, for /admin/billing's rehearsal section. */
export async function listRehearsals() {
  const users = await db.user.findMany({
    where: { stripeTestClockId: { not: null } },
    select: { id: true, email: true, stripeTestClockId: true },
    orderBy: { createdAt: "desc" },
    take: 50,
  });
  const clocks = await db.billingClock.findMany({ where: { id: { in: users.map((u) => u.stripeTestClockId!) } } });
  return users.map((u) => ({ ...u, clock: clocks.find((c) => c.id === u.stripeTestClockId) ?? null }));
}
