// Every event the product sends or reacts to, with its payload schema. Stripe events are
// forwarded by the webhook route as `stripe/<type>` carrying only ids: handlers re-read the
// object from Stripe before acting (DESIGN §3), so a replayed or stale event is harmless.
import { eventType } from "inngest";
import { z } from "zod";

const stripeSignal = z.object({
  stripeEventId: z.string(),
  type: z.string(),
  objectId: z.string(),
  created: z.number(),
});
export type StripeSignal = z.infer<typeof stripeSignal>;

export const stripeEventName = (type: string) => `stripe/${type}` as const;

export const checkoutCompleted = eventType("stripe/checkout.session.completed", { schema: stripeSignal });
export const checkoutAsyncSucceeded = eventType("stripe/checkout.session.async_payment_succeeded", { schema: stripeSignal });
export const checkoutExpired = eventType("stripe/checkout.session.expired", { schema: stripeSignal });

/** Money confirmed for an order; starts (or, with a higher attempt, retries) provisioning. */
export const orderPaid = eventType("order/paid", { schema: z.object({ orderId: z.string(), attempt: z.number().int().min(1) }) });

/** A customer asked for a power action; the request row holds the intent. */
export const vmPowerRequested = eventType("vm/power.requested", { schema: z.object({ powerRequestId: z.string(), vmId: z.string() }) });

/** A provisioning attempt failed for good: undo what it created (lib/provisioning/compensate.ts). */
export const orderCleanupRequested = eventType("order/cleanup.requested", {
  schema: z.object({ orderId: z.string(), attempt: z.number().int().min(1), error: z.string() }),
});
