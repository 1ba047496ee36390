// Test rig for the contract tests: the stand-in on a free port, the real `stripe` client pointed
// at it, and a small webhook receiver that checks every signature with constructEvent.
import { createServer, type Server } from "node:http";
import Stripe from "stripe";
import { closeServer, listen, readBody } from "../shared/http";
import { startStripeSim, type StripeSimHandle, type StripeSimOptions } from "./index";

export const SECRET = "whsec_test_contract_secret";

export interface Received {
  event: Stripe.Event;
  raw: string;
  signature: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer for the n-th request (0-based); 200 by default. */
  respond: (n: number, event: Stripe.Event) => number;
  /** Requests whose signature did not verify. */
  rejected: string[];
  types(): string[];
  close(): Promise<void>;
}

export interface Rig {
  sim: StripeSimHandle;
  stripe: Stripe;
  receiver: Receiver;
  close(): Promise<void>;
}

export async function startRig(options: Partial<StripeSimOptions> = {}): Promise<Rig> {
  const receiver = await startReceiver();
  const sim = await startStripeSim({
    port: 0,
    webhookUrl: receiver.url,
    webhookSecret: SECRET,
    webhookRetryBaseMs: 25,
    tickIntervalMs: 0,
    ...options,
  });
  const stripe = new Stripe("sk_test_contract", { host: "127.0.0.1", port: sim.port, protocol: "http", maxNetworkRetries: 0 });
  return {
    sim,
    stripe,
    receiver,
    async close() {
      await sim.close();
      await receiver.close();
    },
  };
}

async function startReceiver(): Promise<Receiver> {
  const verifier = new Stripe("sk_test_verifier");
  let count = 0;
  const receiver: Receiver = {
    url: "",
    received: [],
    rejected: [],
    respond: () => 200,
    types: () => receiver.received.map((r) => r.event.type),
    close: () => closeServer(server),
  };
  const server: Server = createServer(async (req, res) => {
    const raw = (await readBody(req)).toString("utf8");
    const signature = String(req.headers["stripe-signature"] ?? "");
    let event: Stripe.Event;
    try {
      event = verifier.webhooks.constructEvent(raw, signature, SECRET);
    } catch (error) {
      receiver.rejected.push(String(error));
      res.writeHead(400).end();
      return;
    }
    const status = receiver.respond(count++, event);
    if (status >= 200 && status < 300) receiver.received.push({ event, raw, signature, at: Date.now() });
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ received: status < 300 }));
  });
  const port = await listen(server, 0);
  receiver.url = `http://127.0.0.1:${port}/webhook`;
  return receiver;
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("waitFor timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function createPlan(stripe: Stripe, { amount = 1500, lookupKey = "lab_small_monthly" } = {}) {
  return stripe.prices.create({
    currency: "usd",
    unit_amount: amount,
    recurring: { interval: "month" },
    lookup_key: lookupKey,
    transfer_lookup_key: true,
    product_data: { name: `Lab ${lookupKey}` },
  });
}

export async function createSession(stripe: Stripe, price: string, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price, quantity: 1 }],
    customer_email: "ada@example.test",
    client_reference_id: "order_1",
    metadata: { orderId: "order_1" },
    subscription_data: { metadata: { orderId: "order_1" } },
    success_url: "http://app.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://app.test/checkout/cancel",
    ...extra,
  });
}

/**
 * A paid subscription, as after a successful checkout, for a customer on a test clock of their own
 * (created at real time): `advanceTo(rig, clock, unix)` moves it.
 */
export async function subscribe(rig: Rig, { amount = 1500, card = "4242424242424242" } = {}) {
  const price = await createPlan(rig.stripe, { amount, lookupKey: `plan_${amount}` });
  const clock = await rig.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000), name: `plan ${amount}` });
  const owner = await rig.stripe.customers.create({ email: "ada@example.test", test_clock: clock.id });
  const session = await createSession(rig.stripe, price.id, { customer: owner.id, customer_email: undefined });
  const result = rig.sim.payCheckout(session.id, { card });
  if (result.status !== "complete") throw new Error(`checkout did not complete: ${result.error}`);
  const subscription = await rig.stripe.subscriptions.retrieve(String(result.session.subscription));
  return { price, session: result.session, subscription, customer: String(subscription.customer), clock: clock.id };
}

/** Moves a test clock to `unix` (+1 s, so work due exactly then has happened) and waits until it is ready. */
export function advanceTo(rig: Rig, clock: string, unix: number) {
  return rig.sim.advanceTestClock(clock, unix + 1);
}

/** A test clock's frozen time. */
export const clockNow = (rig: Rig, clock: string) => rig.sim.store.testClock(clock).frozen_time;

export const DAY = 86_400;

/** A paid subscription at `amount`, a smaller plan to move to, and a schedule made from the subscription. */
export async function scheduled(rig: Rig, { amount = 3000, smaller = 1500 } = {}) {
  const subscribed = await subscribe(rig, { amount });
  const small = await createPlan(rig.stripe, { amount: smaller, lookupKey: `plan_${smaller}` });
  const schedule = await rig.stripe.subscriptionSchedules.create({ from_subscription: subscribed.subscription.id });
  return { ...subscribed, small, schedule };
}

/** What the product sends for a downgrade at the next renewal: keep the current phase, then one month of `price`. */
export function downgradeAtRenewal(
  rig: Rig,
  schedule: Stripe.SubscriptionSchedule,
  price: string,
  extra: Partial<Stripe.SubscriptionScheduleUpdateParams> = {},
) {
  const [current] = schedule.phases;
  return rig.stripe.subscriptionSchedules.update(schedule.id, {
    end_behavior: "release",
    proration_behavior: "none",
    phases: [
      { items: current.items.map((i) => ({ price: String(i.price), quantity: i.quantity })), start_date: current.start_date, end_date: current.end_date },
      {
        items: [{ price, quantity: 1 }],
        duration: { interval: "month", interval_count: 1 },
        metadata: { resizeRequestId: "rr_down", plan: "small" },
        proration_behavior: "none",
      },
    ],
    ...extra,
  });
}
