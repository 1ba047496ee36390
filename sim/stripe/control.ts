// /_sim: JSON controls for tests (and the HTML inspection page at GET /_sim). Bodies are JSON or
// form-encoded; answers are JSON, errors `{ error: { message } }` with a 4xx status.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseBody, readBody, sendHtml, sendJson } from "../shared/http";
import type { BillingDetails } from "./checkout-tax";
import type { SimControls } from "./sim-controls";
import { expirePendingUpdate } from "./billing";
import { parseDunningSettings } from "./dunning";
import { customerCards, customerDefaultCard } from "./payment-methods";
import { StripeApiError } from "./errors";
import { inspectPage } from "./pages/inspect-page";
import { RiskControls } from "./risk-controls";
import type { SimContext } from "./types";

class ControlError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;
type ControlHandler = (body: Body, id: string, query: URLSearchParams) => unknown | Promise<unknown>;

/** Unix seconds, or a date/datetime (a form's datetime-local is read as UTC). */
function parseTime(value: unknown): number {
  if (typeof value === "number" || /^\d+$/.test(String(value))) return Number(value);
  const text = String(value);
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (!Number.isFinite(ms)) throw new ControlError(`frozen_time is not a time: ${text}`);
  return Math.floor(ms / 1000);
}

function controlRoutes(ctx: SimContext, controls: SimControls, reset: () => void): Array<[string, RegExp, ControlHandler]> {
  const { webhooks, store, clock } = ctx;
  const num = (value: unknown, name: string) => {
    const n = Number(value);
    if (value === undefined || value === "" || !Number.isFinite(n)) throw new ControlError(`${name} must be a number`);
    return n;
  };
  const event = (id: string) => {
    if (!store.events.has(id)) throw new ControlError(`no such event: ${id}`, 404);
    return id;
  };
  return [
    [
      "GET",
      /^\/_sim\/state$/,
      () => ({
        now: clock.now(),
        testClocks: [...store.testClocks.values()],
        paused: webhooks.paused,
        rules: webhooks.rules,
        dunning: ctx.options.dunning,
        // `card`: the customer's invoice default (else its latest card); `cards`: every card attached.
        customers: [...store.customers.values()].map((c) => {
          const cards = customerCards(ctx, c.id);
          return { ...c, card: customerDefaultCard(ctx, c) ?? cards.at(-1) ?? null, cards };
        }),
        subscriptions: [...store.subscriptions.values()],
        schedules: [...store.schedules.values()],
        invoices: [...store.invoices.values()],
        sessions: [...store.sessions.values()],
        refunds: [...store.refunds.values()],
        charges: [...store.charges.values()],
        disputes: [...store.disputes.values()],
        early_fraud_warnings: [...store.earlyFraudWarnings.values()],
      }),
    ],
    ["GET", /^\/_sim\/clock$/, () => ({ now: clock.now(), testClocks: [...store.testClocks.values()] })],
    // What the Dashboard's "Advance time" does for one test clock (Stripe's advance), waiting until
    // the clock is ready again: `{ frozen_time }` (unix seconds, or a datetime from a form) or `{ seconds }`.
    [
      "POST",
      /^\/_sim\/test_clocks\/([^/]+)\/advance$/,
      async (b, id) => {
        if (!store.testClocks.has(id)) throw new ControlError(`no such test clock: ${id}`, 404);
        const frozen = b.frozen_time === undefined || b.frozen_time === "" ? undefined : parseTime(b.frozen_time);
        if (frozen === undefined && b.seconds === undefined) throw new ControlError("give frozen_time or seconds");
        return controls.advanceTestClock(id, frozen ?? { seconds: num(b.seconds, "seconds") });
      },
    ],
    [
      "GET",
      /^\/_sim\/events$/,
      (_b, _id, q) => ({
        data: [...store.events.values()].filter((e) => !q.get("type") || e.type === q.get("type")),
      }),
    ],
    [
      "GET",
      /^\/_sim\/deliveries$/,
      (_b, _id, q) => ({
        data: webhooks.deliveries.filter((d) => !q.get("event") || d.eventId === q.get("event")),
      }),
    ],
    ["POST", /^\/_sim\/webhooks\/pause$/, () => (webhooks.pause(), { paused: true })],
    ["POST", /^\/_sim\/webhooks\/resume$/, () => (webhooks.resume(), { paused: false })],
    [
      "POST",
      /^\/_sim\/webhooks\/url$/,
      (b) => {
        ctx.options.webhookUrl = String(b.url ?? "");
        return { url: ctx.options.webhookUrl };
      },
    ],
    [
      "POST",
      /^\/_sim\/webhooks\/reorder$/,
      (b) => {
        const order = b.order === "reverse" ? "reverse" : Array.isArray(b.order) ? b.order.map(String) : null;
        if (!order) throw new ControlError(`order must be "reverse" or a list of event ids`);
        webhooks.reorder(order);
        return { queued: webhooks.pending().map((d) => ({ eventId: d.eventId, type: d.eventType })) };
      },
    ],
    [
      "POST",
      /^\/_sim\/webhooks\/rules$/,
      (b) => {
        if (typeof b.type !== "string" || !b.type) throw new ControlError("type is required");
        webhooks.rules.push({
          type: b.type,
          ...(b.delayMs !== undefined ? { delayMs: num(b.delayMs, "delayMs") } : {}),
          ...(b.duplicates !== undefined ? { duplicates: num(b.duplicates, "duplicates") } : {}),
          ...(b.times !== undefined ? { times: num(b.times, "times") } : {}),
        });
        return { rules: webhooks.rules };
      },
    ],
    ["DELETE", /^\/_sim\/webhooks\/rules$/, () => ((webhooks.rules = []), { rules: [] })],
    [
      "POST",
      /^\/_sim\/webhooks\/idle$/,
      async (b) => {
        try {
          await webhooks.idle(b.timeoutMs === undefined ? 10_000 : num(b.timeoutMs, "timeoutMs"));
        } catch (error) {
          throw new ControlError(String((error as Error).message), 409);
        }
        return { pending: 0 };
      },
    ],
    [
      "POST",
      /^\/_sim\/events\/([^/]+)\/duplicate$/,
      (b, id) => {
        webhooks.duplicate(event(id), b.count === undefined ? 1 : num(b.count, "count"));
        return { queued: webhooks.pendingFor(id) };
      },
    ],
    ["POST", /^\/_sim\/events\/([^/]+)\/replay$/, (_b, id) => (webhooks.replay(event(id)), { queued: webhooks.pendingFor(id) })],
    ["POST", /^\/_sim\/events\/([^/]+)\/delay$/, (b, id) => ({ delayed: webhooks.delay(event(id), num(b.ms, "ms")) })],
    [
      "POST",
      /^\/_sim\/checkout\/([^/]+)\/pay$/,
      (b, id) =>
        controls.payCheckout(id, {
          card: b.card === undefined ? undefined : String(b.card),
          email: b.email === undefined ? undefined : String(b.email),
          authenticate: b.authenticate === "fail" ? "fail" : "complete",
          billing: typeof b.billing === "object" && b.billing !== null ? (b.billing as BillingDetails) : undefined,
        }),
    ],
    ["POST", /^\/_sim\/customers\/([^/]+)\/card$/, (b, id) => controls.setCustomerCard(id, String(b.number ?? b.card ?? ""))],
    ["POST", /^\/_sim\/invoices\/([^/]+)\/pay$/, (b, id) => controls.payInvoice(id, b.card === undefined ? undefined : String(b.card))],
    // What the clock reaching `pending_update.expires_at` does, for one subscription, without moving
    // the shared clock (other test files' sessions and renewals depend on it).
    [
      "POST",
      /^\/_sim\/subscriptions\/([^/]+)\/expire_pending_update$/,
      (_b, id) => {
        const sub = ctx.store.subscription(id);
        if (!sub.pending_update) throw new ControlError("this subscription has no pending update");
        expirePendingUpdate(ctx, sub);
        return { subscription: id, pending_update: null };
      },
    ],
    ["GET", /^\/_sim\/settings\/dunning$/, () => ctx.options.dunning],
    [
      "POST",
      /^\/_sim\/settings\/dunning$/,
      (b) => {
        const settings = parseDunningSettings(b, ctx.options.dunning);
        if (typeof settings === "string") throw new ControlError(settings);
        ctx.options.dunning = settings;
        return settings;
      },
    ],
    ["POST", /^\/_sim\/reset$/, () => (reset(), { reset: true })],
    // Disputes and early fraud warnings: what banks and card issuers do (risk-controls.ts).
    ...new RiskControls(ctx).routes(),
  ];
}

export async function handleControl(ctx: SimContext, controls: SimControls, reset: () => void, req: IncomingMessage, res: ServerResponse, url: URL) {
  ctx.tick();
  if (req.method === "GET" && url.pathname === "/_sim") return sendHtml(res, 200, inspectPage(ctx));
  const raw = await readBody(req);
  const route = controlRoutes(ctx, controls, reset).find(([method, pattern]) => method === req.method && pattern.test(url.pathname));
  if (!route) return sendJson(res, 404, { error: { message: `no control at ${req.method} ${url.pathname}` } });
  const id = decodeURIComponent(route[1].exec(url.pathname)?.[1] ?? "");
  try {
    const body = (parseBody(req, raw) ?? {}) as Body;
    const result = await route[2](body, id, url.searchParams);
    // Forms come from the inspection page: send the browser back to it.
    if (String(req.headers["content-type"] ?? "").includes("form-urlencoded")) {
      res.writeHead(303, { location: "/_sim", "content-length": 0 });
      return res.end();
    }
    sendJson(res, 200, result);
  } catch (error) {
    if (error instanceof ControlError) return sendJson(res, error.status, { error: { message: error.message } });
    if (error instanceof StripeApiError) return sendJson(res, error.status, error.toJSON());
    throw error;
  }
}
