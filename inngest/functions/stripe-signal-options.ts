// Options shared by the functions that handle forwarded Stripe signals (`stripe/<type>` events).
import { markStripeEventFailed } from "@/lib/billing/receive-stripe-event";

export const stripeSignalOptions = {
  // One run at a time per Stripe object: e.g. "completed" and "async_payment_succeeded" for one
  // session may arrive together. Runs re-read the object, so their order does not matter.
  concurrency: { limit: 1, key: "event.data.objectId" },
  retries: 6,
  // Out of retries: the StripeEvent row shows the operator which event did not get through.
  onFailure: ({ event, error }: { event: { data: { event: { data: Record<string, unknown> } } }; error: Error }) =>
    markStripeEventFailed(String(event.data.event.data.stripeEventId), error.message),
} as const;
