// HTTP front door: /v1/* is the API (auth, idempotency, routing, expand), /_sim* the test
// controls, everything else the hosted pages a browser visits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readBody, sendJson } from "../shared/http";
import { refuseUnknownParams } from "./accepted-params";
import { billingPortalRoutes } from "./api/billing-portal";
import { chargeDisputeRoutes } from "./api/charges-disputes";
import { checkoutSubscriptionRoutes } from "./api/checkout-subscriptions";
import { customerCatalogRoutes } from "./api/customers-catalog";
import { invoicePaymentRoutes } from "./api/invoices-payments";
import { subscriptionScheduleRoutes } from "./api/subscription-schedules";
import { testClockRoutes } from "./api/test-clocks";
import { taxRoutes } from "./api/tax";
import { webhookEndpointRoutes } from "./api/webhook-endpoints";
import { findRoute, type Route } from "./api/router";
import { handleControl } from "./control";
import { StripeApiError, unrecognizedUrl } from "./errors";
import { API_VERSION } from "./events";
import { applyExpand } from "./expand";
import { decodeForm } from "./form";
import { IdempotencyCache } from "./idempotency";
import { handlePage } from "./pages/routes";
import { Params } from "./params";
import type { SimControls } from "./sim-controls";
import { clone, newId } from "./store";
import { atTimeOf } from "./test-clocks";
import type { SimContext } from "./types";

const routes: Route[] = [
  ...customerCatalogRoutes,
  ...checkoutSubscriptionRoutes,
  ...subscriptionScheduleRoutes,
  ...invoicePaymentRoutes,
  ...billingPortalRoutes,
  ...webhookEndpointRoutes,
  ...testClockRoutes,
  ...chargeDisputeRoutes,
  ...taxRoutes,
];

/** Parameters naming the object a request is about (its test clock decides the request's time). */
const SUBJECT_PARAMS = ["customer", "subscription", "from_subscription", "payment_intent", "invoice"];

export interface ServerDeps {
  idempotency: IdempotencyCache;
  controls: SimControls;
  reset: () => void;
}

export function createStripeServer(ctx: SimContext, deps: ServerDeps): Server {
  return createServer((req, res) => {
    handle(ctx, deps, req, res).catch((error: unknown) => {
      ctx.options.log(`stripe sim error: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { type: "api_error", message: "The Stripe stand-in failed; see its log." } });
      else res.end();
    });
  });
}

async function handle(ctx: SimContext, deps: ServerDeps, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://stripe-sim");
  if (url.pathname.startsWith("/v1/")) return handleApi(ctx, deps.idempotency, req, res, url);
  if (url.pathname === "/_sim" || url.pathname.startsWith("/_sim/")) return handleControl(ctx, deps.controls, deps.reset, req, res, url);
  return handlePage(ctx, req, res, url);
}

async function handleApi(ctx: SimContext, idempotency: IdempotencyCache, req: IncomingMessage, res: ServerResponse, url: URL) {
  const method = req.method ?? "GET";
  const path = url.pathname;
  const requestId = newId("req_", 14);
  const headers: Record<string, string> = {
    "request-id": requestId,
    "stripe-version": String(req.headers["stripe-version"] ?? API_VERSION),
  };
  const raw = (await readBody(req)).toString("utf8");
  const key = method === "POST" ? headerValue(req, "idempotency-key") : undefined;
  if (key) headers["idempotency-key"] = key;
  const reply = (status: number, payload: unknown) => sendJson(res, status, payload, headers);

  const authError = checkAuth(req);
  if (authError) return reply(401, authError.toJSON());
  try {
    const saved = key ? idempotency.lookup(key, method, path, raw) : undefined;
    if (saved) return sendJson(res, saved.status, saved.payload, { ...headers, "idempotent-replayed": "true" });
  } catch (error) {
    if (error instanceof StripeApiError) return reply(error.status, error.toJSON());
    throw error;
  }

  ctx.tick();
  let status = 200;
  let payload: unknown;
  try {
    const match = findRoute(routes, method, path);
    if (!match) throw unrecognizedUrl(method, path);
    const params = new Params(decodeForm(method === "POST" ? raw : url.search.slice(1)));
    refuseUnknownParams(params.raw, match.route.accepts);
    // A request about an object on a test clock happens at that clock's frozen time.
    const subjects = [...match.ids, ...SUBJECT_PARAMS.map((name) => params.raw[name]).filter((v): v is string => typeof v === "string")];
    const result = ctx.events.duringRequest({ id: requestId, idempotency_key: key ?? null }, () =>
      atTimeOf(ctx, subjects, () => match.route.handler({ ctx, params }, ...match.ids)),
    );
    payload = applyExpand(ctx, clone(result), params.strList("expand"));
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    status = error.status;
    payload = error.toJSON();
  }
  if (key) idempotency.save(key, { method, path, body: raw, status, payload });
  ctx.options.log(`${method} ${path} → ${status}`);
  reply(status, payload);
}

/** Any test-mode secret key works; Stripe answers 401 in the invalid_request_error shape. */
function checkAuth(req: IncomingMessage): StripeApiError | null {
  const header = headerValue(req, "authorization") ?? "";
  let key = "";
  if (header.startsWith("Bearer ")) key = header.slice(7).trim();
  else if (header.startsWith("Basic ")) key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0];
  if (!key) {
    return new StripeApiError(401, {
      type: "invalid_request_error",
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    });
  }
  if (!key.startsWith("sk_test_")) {
    return new StripeApiError(401, {
      type: "invalid_request_error",
      message: `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
    });
  }
  return null;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
