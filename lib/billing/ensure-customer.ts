// One Stripe customer per user, created at the first checkout and kept on the user. The
// idempotency key makes concurrent first checkouts get the same customer from Stripe, and the
// conditional update makes the first stored id win; a loser uses what is stored. An account the
// operator put on a test clock (a billing rehearsal) gets its customer created on that clock:
// Stripe attaches clocks only at creation.
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";

export type CustomerOwner = { id: string; email: string; name: string };

export async function ensureStripeCustomer(user: CustomerOwner): Promise<string> {
  const current = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { stripeCustomerId: true, stripeTestClockId: true } });
  if (current.stripeCustomerId) return current.stripeCustomerId;
  const customer = await stripe().customers.create(
    { email: user.email, name: user.name, metadata: { userId: user.id }, ...(current.stripeTestClockId ? { test_clock: current.stripeTestClockId } : {}) },
    { idempotencyKey: `customer-${user.id}` },
  );
  const { count } = await db.user.updateMany({ where: { id: user.id, stripeCustomerId: null }, data: { stripeCustomerId: customer.id } });
  if (count === 1) return customer.id;
  const stored = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { stripeCustomerId: true } });
  return stored.stripeCustomerId ?? customer.id;
}
