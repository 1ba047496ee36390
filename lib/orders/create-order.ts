// Checkout: turn a customer's choice into an Order (`awaiting_payment`, intent only: I1) and a
// Stripe Checkout Session. Capacity is checked and the order recorded under one lock, so two
// checkouts cannot both take the last slot; if Stripe fails, the order (and a key pasted with it)
// is removed again, so nothing is left half-written (I10).
import { assertBillingAllows } from "@/lib/billing-state/gates";
import { billingNowForUser } from "@/lib/billing-state/billing-clock";
import { z } from "zod";
import { db } from "@/lib/db";
import { FieldError, UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { ensurePlanPrice, planAmount } from "@/lib/billing/ensure-plan-price";
import { ensureStripeCustomer, type CustomerOwner } from "@/lib/billing/ensure-customer";
import { createCheckoutSession } from "@/lib/billing/create-checkout-session";
import { stripe } from "@/lib/billing/stripe";
import { withCapacityLock } from "@/lib/capacity/capacity-lock";
import { findNodeWithRoom } from "@/lib/capacity/find-node-with-room";
import { parseKeyOrThrow } from "@/lib/ssh-keys/add-ssh-key";
import { parsePublicKey } from "@/lib/ssh-keys/parse-public-key";
import { log } from "@/lib/observability/log";

// Saved keys arrive as one checkbox per key named `sshKey:<id>`: the action wrapper turns FormData
// into a plain object, which keeps only the last value of a repeated name.
export const SAVED_KEY_FIELD_PREFIX = "sshKey:";
const NO_KEY_MESSAGE = "Choose a saved key or paste a public key.";

export const hostnameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "Choose a hostname.")
  .max(40, "Use at most 40 characters.")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "Use lowercase letters, digits and hyphens, not starting or ending with a hyphen.");

const chosenSavedKey = (form: Record<string, unknown>) =>
  Object.entries(form).some(([name, value]) => name.startsWith(SAVED_KEY_FIELD_PREFIX) && value === "on");

export const checkoutSchema = z
  .looseObject({
    plan: z.string().trim().min(1, "Choose a plan."),
    interval: z.enum(["month", "year"], { error: "Choose monthly or yearly billing." }),
    hostname: hostnameSchema,
    newKey: z
      .string()
      .max(8_000, "That is too long for a public key line.")
      .optional()
      .superRefine((line, ctx) => {
        const parsed = line?.trim() ? parsePublicKey(line) : null;
        if (parsed && !parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error });
      }),
    newKeyName: z.string().trim().max(60, "Use at most 60 characters.").optional(),
  })
  // Checked with the fields, not after them: every field's error shows at once (issue 21).
  .refine((form) => chosenSavedKey(form) || (typeof form.newKey === "string" && form.newKey.trim() !== ""), {
    message: NO_KEY_MESSAGE,
    path: ["sshKeys"],
    when: () => true,
  })
  .transform((form) => ({
    plan: form.plan,
    interval: form.interval,
    hostname: form.hostname,
    newKey: form.newKey?.trim() || undefined,
    newKeyName: form.newKeyName || undefined,
    sshKeyIds: Object.entries(form)
      .filter(([name, value]) => name.startsWith(SAVED_KEY_FIELD_PREFIX) && value === "on")
      .map(([name]) => name.slice(SAVED_KEY_FIELD_PREFIX.length)),
  }));

export type CheckoutInput = z.output<typeof checkoutSchema>;

/** A default hostname: the plan's slug and a short random suffix, always a valid label. */
export function suggestHostname(slug: string, random: () => number = Math.random): string {
  const suffix = Array.from({ length: 4 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(random() * 36)]).join("");
  const base = slug
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 35)
    .replace(/^-+|-+$/g, "");
  return `${base || "lab"}-${suffix}`;
}

export class SoldOutError extends UserFacingError {
  constructor() {
    super("This plan has just sold out. Nothing was ordered; please pick another plan or try again later.");
  }
}

const PAYMENT_UNAVAILABLE = "We could not start the payment. You have not been charged; please try again in a moment.";

/** The user's chosen saved keys and pasted key, as key lines; FieldErrors for what does not add up. */
async function resolveKeys(userId: string, input: CheckoutInput) {
  const ids = [...new Set(input.sshKeyIds)];
  const saved = ids.length ? await db.sshKey.findMany({ where: { userId, id: { in: ids } }, select: { publicKey: true } }) : [];
  // Another user's key id looks exactly like a deleted one (I5).
  if (saved.length !== ids.length) throw new FieldError("sshKeys", "One of the chosen keys no longer exists. Choose your keys again.");
  const pasted = input.newKey ? parseKeyOrThrow(input.newKey, "newKey") : null;
  if (!saved.length && !pasted) throw new FieldError("sshKeys", NO_KEY_MESSAGE);
  return { saved: saved.map((k) => k.publicKey), pasted };
}

/** A plan a customer can order now (active), or null. */
export function findOrderablePlan(slug: string) {
  return db.plan.findFirst({ where: { slug, active: true } });
}

/** Creates the order and its Checkout Session; returns where to send the customer to pay. */
export async function createOrder(user: CustomerOwner, input: CheckoutInput): Promise<{ orderId: string; checkoutUrl: string }> {
  const plan = await findOrderablePlan(input.plan);
  if (!plan) throw new UserFacingError("This plan is no longer on sale.");
  // No new orders while a subscription of the account is suspended for billing (I6).
  await assertBillingAllows({ userId: user.id, action: "order" });
  const amountMinor = planAmount(plan, input.interval);
  const { saved, pasted } = await resolveKeys(user.id, input);

  const { order, createdKeyId } = await withCapacityLock(async (tx) => {
    if (!(await findNodeWithRoom(plan, { client: tx }))) throw new SoldOutError();
    let createdKeyId: string | null = null;
    if (pasted) {
      // ON CONFLICT DO NOTHING: a key the user already saved is simply used, and a failed insert
      // cannot abort the transaction.
      const { count } = await tx.sshKey.createMany({
        data: [
          {
            userId: user.id,
            name: input.newKeyName ?? (pasted.comment.slice(0, 60) || "Added at checkout"),
            publicKey: pasted.normalized,
            fingerprint: pasted.fingerprint,
            keyType: pasted.type,
            bits: pasted.bits,
          },
        ],
        skipDuplicates: true,
      });
      if (count === 1) {
        const key = await tx.sshKey.findUniqueOrThrow({
          where: { userId_fingerprint: { userId: user.id, fingerprint: pasted.fingerprint } },
          select: { id: true },
        });
        createdKeyId = key.id;
      }
    }
    const keys = [...new Set([...saved, ...(pasted ? [pasted.normalized] : [])])];
    const order = await tx.order.create({
      data: {
        userId: user.id,
        planId: plan.id,
        interval: input.interval,
        status: "awaiting_payment",
        amountMinor,
        currency: plan.currency,
        hostname: input.hostname,
        sshPublicKeys: keys,
      },
      select: { id: true },
    });
    return { order, createdKeyId };
  });

  let sessionId: string | null = null;
  try {
    const [price, customerId] = await Promise.all([ensurePlanPrice(plan, input.interval), ensureStripeCustomer(user)]);
    if (price.unit_amount !== amountMinor) throw new Error(`price ${price.id} does not match the order amount`);
    // Its expiry is measured on the customer's clock, as Stripe measures it (their test clock in a rehearsal).
    const session = await createCheckoutSession({ orderId: order.id, priceId: price.id, customerId, now: await billingNowForUser(user.id) });
    sessionId = session.id;
    if (!session.url) throw new Error(`checkout session ${session.id} has no url`);
    await db.$transaction(async (tx) => {
      await tx.order.update({ where: { id: order.id }, data: { stripeCheckoutSessionId: session.id, stripeCustomerId: customerId } });
      await recordAudit(
        { type: "customer", id: user.id },
        "order.checkout_started",
        { type: "order", id: order.id },
        { plan: plan.slug, interval: input.interval, amountMinor, currency: plan.currency, checkoutSessionId: session.id, priceId: price.id },
        tx,
      );
    });
    return { orderId: order.id, checkoutUrl: session.url };
  } catch (error) {
    await undoOrder(order.id, createdKeyId, sessionId);
    // The log gets ids and Stripe's error class; the customer gets a plain sentence, never upstream text (I4).
    const { type, code } = error as { type?: string; code?: string };
    log("checkout").error({ orderId: order.id, err: { name: error instanceof Error ? error.name : typeof error }, type, code }, "checkout failed");
    throw new UserFacingError(PAYMENT_UNAVAILABLE);
  }
}

/** Takes back what a failed checkout wrote. A session that exists is expired so it can never be paid. */
async function undoOrder(orderId: string, createdKeyId: string | null, sessionId: string | null) {
  if (sessionId)
    await stripe()
      .checkout.sessions.expire(sessionId)
      .catch(() => undefined);
  await db.order.deleteMany({ where: { id: orderId, status: "awaiting_payment" } });
  if (createdKeyId) await db.sshKey.deleteMany({ where: { id: createdKeyId } });
}
