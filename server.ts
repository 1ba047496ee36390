// The app's HTTP server: Next.js behind a plain node:http server, so the same process can later
// accept the console WebSocket (DESIGN §3, Console). `npm run dev` and `npm start` both run this.
import fs from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import next from "next";
import nextEnv from "@next/env";
import { env } from "./lib/env";
import { STRIPE_WEBHOOK_PATH, serveStripeWebhook } from "./lib/billing/stripe-webhook-http";
import { startStripeForwarder } from "./lib/billing/stripe-forwarder";
import { createAppConsoleBroker } from "./lib/console/app-console-broker";
import { initServerStamp, stampClientAddress } from "./lib/http/client-address";
import { listenHost } from "./lib/http/listen-host";
import { routeConsoleToLogger } from "./lib/observability/console-bridge";
import { log } from "./lib/observability/log";
import { enterLogContext, requestIdFrom, withLogContext } from "./lib/observability/log-context";
import { METRICS_PATH, serveMetrics } from "./lib/observability/metrics-endpoint";

const dev = process.env.NODE_ENV !== "production";
// What the process logs outside a request or a run (start-up, shutdown) says so.
enterLogContext({ taskId: "startup" });
nextEnv.loadEnvConfig(process.cwd(), dev);
const config = env(); // fail fast, naming the bad variable, before anything listens
// Production: JSON lines only (lib/observability/log.ts), Next's own output included.
if (!dev) routeConsoleToLogger();
const port = Number(process.env.PORT ?? 3000);
const host = listenHost(process.env);

// The sign-in rate limit keys on the client address: stamped here from the socket, with this
// process's secret so the app can tell it from a client's own header (lib/http/client-address.ts).
const stamp = initServerStamp();
const stampClientIp = (req: Parameters<typeof stampClientAddress>[0]) => stampClientAddress(req, { trustProxy: config.TRUST_PROXY, stamp });

// In production, the configuration `next build` serialized, handed over the way Next's own
// standalone server.js does (its router reads only this variable, not `conf`): otherwise every
// start compiles next.config.ts, which loads Next's native SWC binding (~25 MB, ~0.5 s).
const builtConfig = path.join(process.cwd(), ".next", "required-server-files.json");
if (!dev && fs.existsSync(builtConfig)) {
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG ??= JSON.stringify((JSON.parse(fs.readFileSync(builtConfig, "utf8")) as { config: unknown }).config);
}
const app = next({ dev, hostname: "localhost", port });
await app.prepare();
const handle = app.getRequestHandler();
// Sends the webhook's recorded events to Inngest. This server is the only entry point: plain
// `next start`/`next dev` answer 503 to every request (lib/http/guard-request.ts), so nothing
// else needs a forwarder.
const forwarder = startStripeForwarder();
const upgrade = app.getUpgradeHandler();

const server = createServer((req, res) => {
  stampClientIp(req);
  // Every log line written while serving this request carries its id (the proxy's, when it sent one).
  const requestId = requestIdFrom(req.headers["x-request-id"]);
  res.setHeader("x-request-id", requestId);
  withLogContext({ requestId, taskId: undefined }, () => {
    // Stripe's webhook skips Next's router (a few ms per request on a small machine); the route
    // handler shares its implementation (lib/billing/stripe-webhook-http.ts).
    if (req.method === "POST" && req.url === STRIPE_WEBHOOK_PATH) return void serveStripeWebhook(req, res);
    if (req.method === "GET" && req.url === METRICS_PATH) return void serveMetrics(req, res, config.METRICS_TOKEN);
    void handle(req, res);
  });
});
// The browser console's WebSocket (lib/console/console-broker.ts); every other upgrade is Next's.
const consoleBroker = createAppConsoleBroker();
server.on("upgrade", (req, socket, head) => {
  stampClientIp(req);
  withLogContext({ requestId: requestIdFrom(req.headers["x-request-id"]), taskId: undefined }, () => {
    if (consoleBroker.handleUpgrade(req, socket, head)) return;
    void upgrade(req, socket, head); // Next's own (dev HMR)
  });
});
server.listen(port, host, () => {
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log("server").info(
    { url, mode: dev ? "dev" : "production", loopbackOnly: host === "127.0.0.1" },
    `Lab VPS ${dev ? "dev" : "production"} server on ${url}${host === "127.0.0.1" ? " (loopback only; HOST=0.0.0.0 exposes it)" : ""}`,
  );
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    consoleBroker.close();
    server.close();
    server.closeAllConnections();
    void forwarder
      .stop()
      .then(() => app.close?.())
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
