// Stripe webhook endpoint under plain `next start`/`next dev`. Thin on purpose: the one
// implementation is lib/billing/stripe-webhook-http.ts, which server.ts also serves (before Next's
// router, for speed), so the limits and answers do not depend on how the server was started.
import { respondToStripeWebhook } from "@/lib/billing/stripe-webhook-http";

// The signature is checked over the exact bytes Stripe sent, with Node's crypto.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return respondToStripeWebhook(request);
}
