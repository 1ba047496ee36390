// The Stripe webhook served straight from server.ts's node:http server. Same logic and answers as
// the Next route (answerStripeWebhook), minus the framework's per-request work.
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerStripeWebhook } from "@/lib/billing/receive-stripe-event";

export const STRIPE_WEBHOOK_PATH = "/api/webhooks/stripe";
const MAX_BODY_BYTES = 1024 * 1024; // Stripe events are a few KB; refuse anything absurd

export async function serveStripeWebhook(req: IncomingMessage, res: ServerResponse) {
  try {
    await answer(req, res);
  } catch {
    // The client went away mid-body (or similar): nothing was acknowledged, Stripe will retry.
    res.destroy();
  }
}

async function answer(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413, { "content-type": "application/json" }).end('{"error":"payload too large"}');
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const signature = req.headers["stripe-signature"];
  const { status, body } = await answerStripeWebhook(Buffer.concat(chunks).toString("utf8"), typeof signature === "string" ? signature : null);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
