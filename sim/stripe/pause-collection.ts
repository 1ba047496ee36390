// `pause_collection` on a subscription (Stripe: docs.stripe.com/billing/subscriptions/pause-payment
// and the Subscription object of the pinned API): the subscription stays `active` and keeps
// renewing, but its new invoices are not charged. `behavior` says what happens to each one:
// `keep_as_draft` (left a draft, never finalized), `mark_uncollectible` (finalized, then
// uncollectible with reason `subscription_paused`) or `void`. `resumes_at` ends the pause by
// itself; `pause_collection: ""` ends it at once. Invoices that already exist are not touched.
import type Stripe from "stripe";
import { unknownParameter } from "./accepted-params";
import { markUncollectible, voidInvoice } from "./billing";
import { invalidRequest } from "./errors";
import { finalizeInvoice } from "./objects/invoice";
import type { Params } from "./params";
import type { SimContext } from "./types";

const BEHAVIORS = ["keep_as_draft", "mark_uncollectible", "void"] as const;

/** Reads `pause_collection` from an update: an object sets the pause, "" clears it. */
export function applyPauseCollection(ctx: SimContext, sub: Stripe.Subscription, p: Params) {
  if (!p.has("pause_collection")) return;
  const pause = p.obj("pause_collection");
  if (!pause) {
    sub.pause_collection = null;
    return;
  }
  const unknown = pause.keys().filter((key) => key !== "behavior" && key !== "resumes_at");
  if (unknown.length) throw unknownParameter(unknown.map((key) => pause.name(key)));
  const behavior = pause.reqOneOf("behavior", BEHAVIORS);
  const resumesAt = pause.int("resumes_at") ?? null;
  if (resumesAt !== null && resumesAt <= ctx.clock.now()) {
    throw invalidRequest("pause_collection[resumes_at] must be in the future.", { param: "pause_collection[resumes_at]" });
  }
  sub.pause_collection = { behavior, resumes_at: resumesAt };
}

/** `resumes_at` passed: collection resumes (customer.subscription.updated). */
export function resumeCollection(ctx: SimContext, sub: Stripe.Subscription) {
  ctx.events.update("customer.subscription.updated", sub, () => (sub.pause_collection = null));
}

export function pauseResumesAt(sub: Stripe.Subscription): number | null {
  return sub.pause_collection?.resumes_at ?? null;
}

/**
 * A renewal invoice of a paused subscription: handled by the pause's behavior instead of charged.
 * Returns false when the subscription is not paused (the caller charges as usual).
 */
export function settlePausedRenewal(ctx: SimContext, sub: Stripe.Subscription, invoice: Stripe.Invoice): boolean {
  const behavior = sub.pause_collection?.behavior;
  if (!behavior) return false;
  if (behavior === "keep_as_draft") {
    // Stays a draft: no finalization, no attempt (auto_advance off, as Stripe shows it).
    invoice.automatically_finalizes_at = null;
    invoice.auto_advance = false;
    return true;
  }
  invoice.automatically_finalizes_at = null;
  finalizeInvoice(ctx, invoice);
  invoice.next_payment_attempt = null;
  if (behavior === "void") voidInvoice(ctx, invoice);
  else markUncollectible(ctx, invoice, "subscription_paused");
  return true;
}
