// The Stripe stand-in: the API subset Lab VPS calls, hosted checkout / portal / invoice pages,
// signed webhooks and a clock, behind the real `stripe` client pointed at it with
// `new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`.
// Run alone: `tsx sim/stripe/index.ts` (configured from the environment, see below).
import { pathToFileURL } from "node:url";
import type Stripe from "stripe";
import { closeServer, listen } from "../shared/http";
import { SimClock } from "./clock";
import { DEFAULT_DUNNING, dunningSettingsFromEnv } from "./dunning";
import { EventLog } from "./events";
import { IdempotencyCache } from "./idempotency";
import { runDueWork } from "./renewal";
import { createStripeServer } from "./server";
import { type PayCheckoutOptions, SimControls } from "./sim-controls";
import { Store } from "./store";
import type { SimContext, StripeSimOptions } from "./types";
import { type Delivery, DeliveryQueue, type DeliveryRule } from "./webhooks";

export type { StripeSimOptions } from "./types";
export type { Delivery, DeliveryRule } from "./webhooks";
export { signPayload } from "./webhooks";

export const DEFAULT_WEBHOOK_SECRET = "whsec_sim_labvps_local_only";

export interface StripeSimHandle {
  name: "stripe";
  url: string;
  port: number;
  options: StripeSimOptions;
  /** What the app sets to talk to this stand-in (the client needs host, port and protocol from the base URL). */
  env: Record<string, string>;
  close(): Promise<void>;
  /** Raw state, for assertions. */
  store: Store;
  clock: SimClock;
  /** Events oldest first, optionally of one type. */
  events(type?: string): Stripe.Event[];
  deliveries(): Delivery[];
  /** Advances a test clock (as Stripe's API does, asynchronously) and resolves once it is ready. */
  advanceTestClock: SimControls["advanceTestClock"];
  setWebhookUrl(url: string): void;
  pauseDelivery(): void;
  resumeDelivery(): void;
  duplicateEvent(eventId: string, count?: number): void;
  replayEvent(eventId: string): void;
  delayEvent(eventId: string, ms: number): number;
  reorderDeliveries(order: "reverse" | string[]): void;
  addDeliveryRule(rule: DeliveryRule): void;
  clearDeliveryRules(): void;
  /** Resolves once every queued delivery succeeded or gave up. */
  waitForDeliveries(timeoutMs?: number): Promise<void>;
  payCheckout: SimControls["payCheckout"];
  setCustomerCard: SimControls["setCustomerCard"];
  payInvoice: SimControls["payInvoice"];
  /** Forgets every object (test clocks too), event and delivery. */
  reset(): void;
}

const DEFAULTS: StripeSimOptions = {
  port: 12111,
  host: "127.0.0.1",
  webhookUrl: "http://localhost:3000/api/webhooks/stripe",
  webhookSecret: DEFAULT_WEBHOOK_SECRET,
  publicBaseUrl: "",
  webhookMaxAttempts: 6,
  webhookRetryBaseMs: 1000,
  webhookTimeoutMs: 10_000,
  retryScheduleDays: [3, 5, 7],
  dunning: DEFAULT_DUNNING,
  pendingUpdateTtlSeconds: 23 * 3600,
  tickIntervalMs: 1000,
  log: () => {},
};

export function stripeSimOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<StripeSimOptions> {
  const options: Partial<StripeSimOptions> = {};
  const number = (name: string) => (env[name] ? Number(env[name]) : undefined);
  if (env.STRIPE_SIM_PORT) options.port = number("STRIPE_SIM_PORT");
  if (env.STRIPE_SIM_HOST) options.host = env.STRIPE_SIM_HOST;
  // Set but empty means "record events, deliver nothing".
  if (env.STRIPE_SIM_WEBHOOK_URL !== undefined) options.webhookUrl = env.STRIPE_SIM_WEBHOOK_URL;
  if (env.STRIPE_WEBHOOK_SECRET) options.webhookSecret = env.STRIPE_WEBHOOK_SECRET;
  if (env.STRIPE_SIM_PUBLIC_URL) options.publicBaseUrl = env.STRIPE_SIM_PUBLIC_URL.replace(/\/$/, "");
  if (env.STRIPE_SIM_RETRY_DAYS) options.retryScheduleDays = env.STRIPE_SIM_RETRY_DAYS.split(",").filter(Boolean).map(Number);
  const dunning = dunningSettingsFromEnv(env);
  if (typeof dunning === "string") throw new Error(`STRIPE_SIM_DUNNING_*: ${dunning}`);
  if (Object.keys(dunning).length) options.dunning = { ...DEFAULT_DUNNING, ...dunning };
  if (env.STRIPE_SIM_WEBHOOK_MAX_ATTEMPTS) options.webhookMaxAttempts = number("STRIPE_SIM_WEBHOOK_MAX_ATTEMPTS");
  if (env.STRIPE_SIM_WEBHOOK_RETRY_BASE_MS) options.webhookRetryBaseMs = number("STRIPE_SIM_WEBHOOK_RETRY_BASE_MS");
  return options;
}

export async function startStripeSim(opts: Partial<StripeSimOptions> = {}): Promise<StripeSimHandle> {
  const options: StripeSimOptions = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  const ctx = { options, clock: new SimClock(), store: new Store() } as SimContext;
  ctx.webhooks = new DeliveryQueue({
    url: () => options.webhookUrl,
    secret: options.webhookSecret,
    maxAttempts: options.webhookMaxAttempts,
    retryBaseMs: options.webhookRetryBaseMs,
    timeoutMs: options.webhookTimeoutMs,
    event: (id) => ctx.store.events.get(id),
    log: options.log,
  });
  ctx.events = new EventLog(ctx);
  ctx.tick = () => runDueWork(ctx);
  const controls = new SimControls(ctx);
  const idempotency = new IdempotencyCache();
  const reset = () => {
    ctx.store.reset();
    idempotency.clear();
    ctx.webhooks.deliveries.length = 0;
  };
  const server = createStripeServer(ctx, { idempotency, controls, reset });
  const port = await listen(server, options.port, options.host);
  options.port = port;
  const url = `http://${options.host}:${port}`;
  if (!options.publicBaseUrl) options.publicBaseUrl = url;
  const ticker =
    options.tickIntervalMs > 0
      ? setInterval(() => {
          try {
            ctx.tick();
          } catch (error) {
            options.log(`stripe sim tick failed: ${String(error)}`);
          }
        }, options.tickIntervalMs)
      : null;
  ticker?.unref();

  return {
    name: "stripe",
    url,
    port,
    options,
    env: {
      STRIPE_SECRET_KEY: "sk_test_sim_labvps_local_only",
      STRIPE_WEBHOOK_SECRET: options.webhookSecret,
      STRIPE_API_URL: url,
      STRIPE_PUBLISHABLE_KEY: "pk_test_sim_labvps_local_only",
      // The stand-in's Stripe.js (pages/stripe-js.ts), on the origin the browser reaches it at.
      STRIPE_JS_URL: `${options.publicBaseUrl}/v3`,
    },
    store: ctx.store,
    clock: ctx.clock,
    async close() {
      if (ticker) clearInterval(ticker);
      ctx.webhooks.close();
      await closeServer(server);
    },
    events: (type) => [...ctx.store.events.values()].filter((e) => !type || e.type === type),
    deliveries: () => ctx.webhooks.deliveries,
    advanceTestClock: (id, to) => controls.advanceTestClock(id, to),
    setWebhookUrl: (webhookUrl) => void (options.webhookUrl = webhookUrl),
    pauseDelivery: () => ctx.webhooks.pause(),
    resumeDelivery: () => ctx.webhooks.resume(),
    duplicateEvent: (id, count) => ctx.webhooks.duplicate(id, count),
    replayEvent: (id) => ctx.webhooks.replay(id),
    delayEvent: (id, ms) => ctx.webhooks.delay(id, ms),
    reorderDeliveries: (order) => ctx.webhooks.reorder(order),
    addDeliveryRule: (rule) => void ctx.webhooks.rules.push(rule),
    clearDeliveryRules: () => void (ctx.webhooks.rules = []),
    waitForDeliveries: (timeoutMs) => ctx.webhooks.idle(timeoutMs),
    payCheckout: (id: string, payOpts?: PayCheckoutOptions) => controls.payCheckout(id, payOpts),
    setCustomerCard: (id, number) => controls.setCustomerCard(id, number),
    payInvoice: (id, card) => controls.payInvoice(id, card),
    reset,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sim = await startStripeSim({ ...stripeSimOptionsFromEnv(), log: (line) => console.log(`[stripe] ${line}`) });
  console.log(`[stripe] stand-in on ${sim.url} (inspect: ${sim.url}/_sim), webhooks → ${sim.options.webhookUrl || "off"}`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
