// The chaos test's world, wired the way production runs: fresh stand-ins of every service, Stripe's
// signed webhooks delivered over HTTP to the webhook handler server.ts serves (serveStripeWebhook:
// verify, record durably, acknowledge), the process's forwarder sending the recorded events to
// Inngest, and every function of inngest/index.ts served over the Inngest
// HTTP protocol (inngest/node, as app/api/inngest serves it with inngest/next) to the Inngest
// stand-in, which runs them with retries, concurrency, singleton and onFailure. The app's modules
// are loaded only after the environment points at these stand-ins (lib/env.ts caches it).
import fs from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { startAllSims, type RunningSims } from "../../sim/launch";
import { closeServer, listen } from "../../sim/shared/http";
import { startApp, type TestApp } from "../../sim/inngest/testkit";
import type { InngestSimHandle } from "../../sim/inngest/index";

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- /_sim answers, checked where used

async function loadApp() {
  const [{ db }, { env }, { inngest }, { functions }, webhook, forwarder, orders, retry, power, catalog, stripeClient, events] = await Promise.all([
    import("../../lib/db"),
    import("../../lib/env"),
    import("../../lib/jobs/client"),
    import("../../inngest/index"),
    import("../../lib/billing/stripe-webhook-http"),
    import("../../lib/billing/stripe-forwarder"),
    import("../../lib/orders/create-order"),
    import("../../lib/orders/retry-provisioning"),
    import("../../lib/power/request-power"),
    import("../../lib/catalog/seed-catalog"),
    import("../../lib/billing/stripe"),
    import("../../sim/stripe/index"),
  ]);
  return {
    db,
    env,
    inngest,
    functions,
    serveStripeWebhook: webhook.serveStripeWebhook,
    startStripeForwarder: forwarder.startStripeForwarder,
    createOrder: orders.createOrder,
    checkoutSchema: orders.checkoutSchema,
    retryProvisioning: retry.retryProvisioning,
    requestPower: power.requestPower,
    seedCatalog: catalog.seedCatalog,
    stripe: stripeClient.stripe,
    signPayload: events.signPayload,
  };
}
export type ChaosApp = Awaited<ReturnType<typeof loadApp>>;

export interface ChaosWorld {
  app: ChaosApp;
  limit: number;
  webhookUrl: string;
  inngestSim: InngestSimHandle;
  /** `/_sim/<route>` of a stand-in, as JSON (the Proxmox one over its pinned TLS). */
  sim(name: "stripe" | "proxmox" | "cloudflare" | "mail" | "inngest", route: string, method?: string, body?: unknown): Promise<Json>;
  close(): Promise<void>;
}

export async function startChaosWorld(opts: { limit: number; timeScale: number }): Promise<ChaosWorld> {
  const savedEnv = { ...process.env };
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "labvps-chaos-"));
  let serveWebhook: ChaosApp["serveStripeWebhook"] | undefined;
  // Until the app is loaded the endpoint is "down" (503): Stripe's stand-in retries, as Stripe would.
  const webhookServer = createServer((req, res) => (serveWebhook ? void serveWebhook(req, res) : void res.writeHead(503).end()));
  const webhookPort = await listen(webhookServer, 0);
  const webhookUrl = `http://127.0.0.1:${webhookPort}/api/webhooks/stripe`;

  let sims: RunningSims | undefined;
  let served: TestApp | undefined;
  let agent: Agent | undefined;
  try {
    sims = await startAllSims({
      only: ["stripe", "proxmox", "cloudflare", "mail", "inngest"],
      statusPort: 0,
      stripe: { port: 0, webhookUrl, webhookRetryBaseMs: 50 },
      proxmox: { port: 0, sshPort: 0, stateDir, taskDurationMs: 40 },
      cloudflare: { port: 0 },
      mail: { port: 0 },
      // Every duration Inngest waits (sleeps, its real retry table 15 s … 2 h + jitter) shrinks by
      // one factor, so their ratios stay as on Inngest: CHAOS_TIME_SCALE (see chaos.db.test.ts).
      inngest: { port: 0, appUrls: [], timeScale: opts.timeScale, syncIntervalMs: 50 },
    });
    // The work-slot lease TTL (5 min on real timing) shrinks with Inngest's durations, so a retry
    // gap outlasts a lease here exactly when it would in production (lib/proxmox/work-slots.ts).
    Object.assign(process.env, sims.env, {
      PROVISION_CONCURRENCY: String(opts.limit),
      PROXMOX_LEASE_TTL_MS: String(Math.max(1, Math.round(5 * 60_000 * opts.timeScale))),
    });
    const app = await loadApp();
    const forwarder = app.startStripeForwarder({ pollMs: 200 });
    serveWebhook = app.serveStripeWebhook;
    served = await startApp(app.inngest, app.functions);
    const inngestSim = sims.handles.inngest!;
    const [synced] = await inngestSim.sync(served.url);
    if (!synced?.ok) throw new Error(`the Inngest stand-in could not sync the served functions: ${JSON.stringify(synced)}`);

    const urls = Object.fromEntries(sims.sims.map((s) => [s.name, s.handle.url])) as Record<string, string>;
    agent = new Agent({ connect: { ca: await fs.readFile(sims.env.PROXMOX_CA_CERT_FILE!, "utf8") } });
    const dispatcher = agent;
    const sim: ChaosWorld["sim"] = async (name, route, method = "GET", body) => {
      const response = await undiciFetch(`${urls[name]}/_sim/${route}`, {
        method,
        dispatcher: name === "proxmox" ? dispatcher : undefined,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${name} ${method} /_sim/${route}: ${response.status} ${text.slice(0, 300)}`);
      try {
        return text ? JSON.parse(text) : null;
      } catch {
        throw new Error(`${name} ${method} /_sim/${route} answered no JSON: ${text.slice(0, 120)}`);
      }
    };
    const running = sims;
    const servedApp = served;
    return {
      app,
      limit: opts.limit,
      webhookUrl,
      inngestSim,
      sim,
      async close() {
        await forwarder.stop();
        await servedApp.close();
        await running.close();
        await dispatcher.close();
        await closeServer(webhookServer);
        await app.db.$disconnect();
        await fs.rm(stateDir, { recursive: true, force: true });
        for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
        Object.assign(process.env, savedEnv);
      },
    };
  } catch (error) {
    await served?.close();
    await sims?.close();
    await agent?.close();
    await closeServer(webhookServer);
    await fs.rm(stateDir, { recursive: true, force: true });
    Object.assign(process.env, savedEnv);
    throw error;
  }
}
