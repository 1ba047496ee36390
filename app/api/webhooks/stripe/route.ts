// Stripe webhook endpoint for requests that reach Next's router (server.ts answers the exact path
// before it, for speed). Thin on purpose: the one implementation is lib/billing/stripe-webhook-http.ts,
// so the limits and answers do not depend on which of the two answered.
import { respondToStripeWebhook } from "@/lib/billing/stripe-webhook-http";

// The signature is checked over the exact bytes Stripe sent, with Node's crypto.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return respondToStripeWebhook(request);
}
