// Stripe webhook endpoint. Thin on purpose: lib/billing/receive-stripe-event.ts does the work.
import { receiveStripeEvent } from "@/lib/billing/receive-stripe-event";

// The signature is checked over the exact bytes Stripe sent, with Node's crypto.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  const raw = await request.text();
  try {
    const outcome = await receiveStripeEvent(raw, request.headers.get("stripe-signature"));
    switch (outcome.kind) {
      case "invalid-signature":
        return Response.json({ error: "invalid signature" }, { status: 400 });
      case "ignored":
        return Response.json({ received: true, ignored: true });
      case "duplicate":
        return Response.json({ received: true, duplicate: true });
      case "forwarded":
        return Response.json({ received: true });
    }
  } catch (error) {
    // A 5xx makes Stripe redeliver; the next delivery finds the recorded row and forwards it.
    // Only our own errors reach here (database, Inngest), never the payload: safe to log.
    console.error(`[stripe webhook] could not record or forward: ${error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`);
    return Response.json({ error: "temporarily unavailable" }, { status: 500 });
  }
}
