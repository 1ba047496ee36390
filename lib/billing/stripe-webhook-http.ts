// The Stripe webhook's one HTTP implementation (issue 7.5). server.ts answers the path straight
// from node:http (Next's router costs a few ms per request on a small machine), and
// app/api/webhooks/stripe/route.ts answers whatever reaches Next's router instead (the path with a
// query string, say; plain `next start` answers 503 to everything, lib/http/guard-request.ts); both
// hand the body stream and headers to answerStripeWebhookBody, so the body cap and every answer
// are the same whichever way the request came in.
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerStripeWebhook, type WebhookAnswer } from "@/lib/billing/receive-stripe-event";
import { metrics } from "@/lib/observability/metrics";

export const STRIPE_WEBHOOK_PATH = "/api/webhooks/stripe";
/** Stripe events are a few KB (Stripe documents no maximum; large invoices stay far below this). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const tooLarge: WebhookAnswer = { status: 413, body: { error: "payload too large" } };

/**
 * Reads at most MAX_WEBHOOK_BODY_BYTES and answers. A declared Content-Length over the cap is
 * refused before reading; a chunked body is refused as soon as it crosses the cap.
 */
export async function answerStripeWebhookBody(
  body: AsyncIterable<Uint8Array> | null,
  headers: { contentLength: string | null; signature: string | null },
): Promise<WebhookAnswer> {
  const started = performance.now();
  const answer = await readAndAnswer(body, headers);
  metrics().webhookAck.observe({ outcome: ackOutcome(answer) }, (performance.now() - started) / 1000);
  return answer;
}

function ackOutcome({ status, body }: WebhookAnswer): string {
  if (status === 200) return body.duplicate ? "duplicate" : body.ignored ? "ignored" : "recorded";
  return status === 400 ? "invalid_signature" : status === 413 ? "too_large" : "error";
}

async function readAndAnswer(
  body: AsyncIterable<Uint8Array> | null,
  headers: { contentLength: string | null; signature: string | null },
): Promise<WebhookAnswer> {
  if (Number(headers.contentLength ?? 0) > MAX_WEBHOOK_BODY_BYTES) return tooLarge;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_WEBHOOK_BODY_BYTES) return tooLarge;
    chunks.push(chunk);
  }
  return answerStripeWebhook(Buffer.concat(chunks).toString("utf8"), headers.signature);
}

const jsonHeaders = { "content-type": "application/json", "cache-control": "no-store" };

/** For server.ts: the webhook served from node:http. */
export async function serveStripeWebhook(req: IncomingMessage, res: ServerResponse) {
  try {
    const signature = req.headers["stripe-signature"];
    const { status, body } = await answerStripeWebhookBody(req, {
      contentLength: req.headers["content-length"] ?? null,
      signature: typeof signature === "string" ? signature : null,
    });
    // 413: close rather than drain what the client is still sending.
    res.writeHead(status, status === 413 ? { ...jsonHeaders, connection: "close" } : jsonHeaders).end(JSON.stringify(body));
  } catch {
    // The client went away mid-body (or similar): nothing was acknowledged, Stripe will retry.
    res.destroy();
  }
}

/** For the Next route handler: the same answer as a web Response. */
export async function respondToStripeWebhook(request: Request): Promise<Response> {
  const { status, body } = await answerStripeWebhookBody(request.body ? iterate(request.body) : null, {
    contentLength: request.headers.get("content-length"),
    signature: request.headers.get("stripe-signature"),
  });
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stops reading an oversized body instead of buffering the rest.
    await reader.cancel().catch(() => undefined);
  }
}
