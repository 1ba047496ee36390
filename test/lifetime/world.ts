// The lifetime simulation's world: fresh stand-ins (Stripe, Proxmox, Cloudflare, mail) in this
// process, the test database, and the app's own code. Stripe's events go where production sends
// them — signed, through the webhook's domain function (answerStripeWebhook: verify, record once)
// and the outbox forwarder (forwardPendingStripeEvents) — into the app's Inngest functions, which
// the in-process engine runs (./engine.ts). The app's modules load only after the environment
// points at these stand-ins (lib/env.ts caches it).
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Stripe from "stripe";
import { startAllSims, type RunningSims } from "../../sim/launch";
import type { StripeSimHandle } from "../../sim/stripe/index";
import type { ProxmoxSimHandle } from "../../sim/proxmox/index";
import type { MailSimHandle } from "../../sim/mail/index";
import { InlineEngine, type EngineEvent } from "./engine";

async function loadApp() {
  const [
    { db },
    { env },
    { inngest },
    index,
    receive,
    forward,
    orders,
    catalog,
    stripeClient,
    webhooks,
    resizeQuote,
    resizeRequest,
    customerBilling,
    gates,
    power,
    deletion,
    orderView,
    ladderFn,
    sweepFn,
    reconcileFn,
    retry,
    clock,
    payment,
    restore,
  ] = await Promise.all([
    import("../../lib/db"),
    import("../../lib/env"),
    import("../../lib/jobs/client"),
    import("../../inngest/index"),
    import("../../lib/billing/receive-stripe-event"),
    import("../../lib/billing/forward-stripe-events"),
    import("../../lib/orders/create-order"),
    import("../../lib/catalog/seed-catalog"),
    import("../../lib/billing/stripe"),
    import("../../sim/stripe/webhooks"),
    import("../../lib/resize/quote-resize"),
    import("../../lib/resize/request-resize"),
    import("../../lib/billing-state/customer-billing"),
    import("../../lib/billing-state/gates"),
    import("../../lib/power/request-power"),
    import("../../lib/billing-state/approve-deletion"),
    import("../../lib/orders/order-view"),
    import("../../inngest/functions/billing-ladder"),
    import("../../inngest/functions/sweep-stuck-work"),
    import("../../inngest/functions/billing-reconcile"),
    import("../../lib/orders/retry-provisioning"),
    import("../../lib/billing-state/billing-clock"),
    import("../../lib/orders/order-payment"),
    import("../../lib/billing-state/restore-vm"),
  ]);
  return {
    db,
    env,
    inngest,
    functions: index.functions,
    answerStripeWebhook: receive.answerStripeWebhook,
    forwardPendingStripeEvents: forward.forwardPendingStripeEvents,
    createOrder: orders.createOrder,
    checkoutSchema: orders.checkoutSchema,
    seedCatalog: catalog.seedCatalog,
    stripe: stripeClient.stripe,
    signPayload: webhooks.signPayload,
    quoteResize: resizeQuote.quoteResize,
    requestResize: resizeRequest.requestResize,
    setCancelAtPeriodEnd: customerBilling.setCancelAtPeriodEnd,
    loadCustomerBilling: customerBilling.loadCustomerBilling,
    loadVmBilling: customerBilling.loadVmBilling,
    billingGate: gates.billingGate,
    requestPower: power.requestPower,
    approveDeletion: deletion.approveDeletion,
    getOrderView: orderView.getOrderView,
    ladderFunction: ladderFn.billingLadderFunction,
    sweepFunction: sweepFn.sweepStuckWorkFunction,
    reconcileFunction: reconcileFn.billingReconcileFunction,
    retryProvisioning: retry.retryProvisioning,
    attachTestClock: clock.attachTestClock,
    completeOrderPayment: payment.completeOrderPayment,
    startVmRestore: restore.startVmRestore,
  };
}
export type LifetimeApp = Awaited<ReturnType<typeof loadApp>>;

export interface LifetimeWorld {
  app: LifetimeApp;
  engine: InlineEngine;
  stripeSim: StripeSimHandle;
  proxmoxSim: ProxmoxSimHandle;
  mailSim: MailSimHandle;
  /** Stripe events seen, by type (the report's counts). */
  stripeEvents: Map<string, number>;
  /** Delivers every Stripe event recorded so far and runs everything it starts, until all is quiet. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

// Subscription mirror runs re-read Stripe: of several queued for one subscription, the last does
// what all of them would (Inngest runs them one at a time per subscription anyway).
const coalesce = (event: EngineEvent) => (event.name === "billing/subscription.sync-requested" ? `mirror:${String(event.data.subscriptionId)}` : null);

export async function startLifetimeWorld(): Promise<LifetimeWorld> {
  const savedEnv = { ...process.env };
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "labvps-lifetime-"));
  const recorded: Stripe.Event[] = [];
  let onEvent = () => {};
  let sims: RunningSims | undefined;
  try {
    sims = await startAllSims({
      only: ["stripe", "proxmox", "cloudflare", "mail"],
      statusPort: 0,
      // No delivery over HTTP: every event is handed to the webhook's domain function below.
      stripe: { port: 0, webhookUrl: "", tickIntervalMs: 0, onEvent: (event) => void (recorded.push(event), onEvent()) },
      proxmox: { port: 0, sshPort: 0, stateDir, taskDurationMs: 0, shortTaskDurationMs: 0 },
      cloudflare: { port: 0 },
      mail: { port: 0 },
    });
    Object.assign(process.env, sims.env, { PROVISION_CONCURRENCY: "16", INNGEST_DEV: "http://127.0.0.1:9" });
    const app = await loadApp();
    const secret = app.env().STRIPE_WEBHOOK_SECRET;
    const stripeEvents = new Map<string, number>();
    // Stripe's events, signed, through the webhook's domain function, then the outbox forwarder.
    let feeding: Promise<void> = Promise.resolve();
    const feed = () => {
      const pass = feeding.then(async () => {
        while (recorded.length) {
          for (const event of recorded.splice(0)) {
            stripeEvents.set(event.type, (stripeEvents.get(event.type) ?? 0) + 1);
            const raw = JSON.stringify(event);
            const answer = await app.answerStripeWebhook(raw, app.signPayload(raw, secret));
            if (answer.status !== 200) throw new Error(`webhook answered ${answer.status} for ${event.type}`);
          }
          while ((await app.forwardPendingStripeEvents()).claimed > 0);
        }
      });
      feeding = pass.catch(() => undefined);
      return pass;
    };
    const engine = new InlineEngine(app.functions, { coalesce, feed });
    onEvent = () => engine.poke();
    // Everything the app sends to Inngest (forwarded webhooks, power and resize requests, retries) lands here.
    (app.inngest as unknown as { send: InlineEngine["send"] }).send = engine.send;
    const running = sims;
    const settle = () => engine.drain();

    return {
      app,
      engine,
      stripeSim: running.handles.stripe!,
      proxmoxSim: running.handles.proxmox!,
      mailSim: running.handles.mail!,
      stripeEvents,
      settle,
      async close() {
        await running.close();
        await app.db.$disconnect();
        await fs.rm(stateDir, { recursive: true, force: true });
        for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
        Object.assign(process.env, savedEnv);
      },
    };
  } catch (error) {
    await sims?.close();
    await fs.rm(stateDir, { recursive: true, force: true });
    Object.assign(process.env, savedEnv);
    throw error;
  }
}
