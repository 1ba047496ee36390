// Stripe webhook endpoint. Thin on purpose: lib/billing/receive-stripe-event.ts does the work.
// (server.ts answers this path itself before Next's router, for speed; this route serves the
// same logic when the app runs under plain `next start`.)
import { answerStripeWebhook } from "@/lib/billing/receive-stripe-event";

// The signature is checked over the exact bytes Stripe sent, with Node's crypto.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  const { status, body } = await answerStripeWebhook(await request.text(), request.headers.get("stripe-signature"));
  return Response.json(body, { status });
}
