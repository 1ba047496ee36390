// The app's HTTP server: Next.js behind a plain node:http server, so the same process can later
// accept the console WebSocket (DESIGN §3, Console). `npm run dev` and `npm start` both run this.
import { createServer, type IncomingMessage } from "node:http";
import next from "next";
import nextEnv from "@next/env";
import { env } from "./lib/env";
import { STRIPE_WEBHOOK_PATH, serveStripeWebhook } from "./lib/billing/stripe-webhook-http";
import { startStripeForwarder } from "./lib/billing/stripe-forwarder";
import { createAppConsoleBroker } from "./lib/console/app-console-broker";

const dev = process.env.NODE_ENV !== "production";
nextEnv.loadEnvConfig(process.cwd(), dev);
const config = env(); // fail fast, naming the bad variable, before anything listens
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "0.0.0.0";

// The sign-in rate limit keys on the client address. Stamp it here from the socket, overwriting
// whatever the client sent. Behind a proxy we were told to trust, take the LAST X-Forwarded-For
// entry: the one that proxy appended; earlier entries are whatever the client wrote.
function stampClientIp(req: IncomingMessage) {
  const forwarded = req.headers["x-forwarded-for"];
  const last = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded)?.split(",").at(-1)?.trim();
  req.headers["x-labvps-client-ip"] = (config.TRUST_PROXY && last) || req.socket.remoteAddress || "unknown";
}

const app = next({ dev, hostname: "localhost", port });
await app.prepare();
const handle = app.getRequestHandler();
// Sends the webhook's recorded events to Inngest (instrumentation.ts starts the same one under
// plain `next start`; whichever runs first in this process wins, the other is a no-op).
const forwarder = startStripeForwarder();
const upgrade = app.getUpgradeHandler();

const server = createServer((req, res) => {
  stampClientIp(req);
  // Stripe's webhook skips Next's router (a few ms per request on a small machine): the same
  // implementation answers it under plain `next start`, see lib/billing/stripe-webhook-http.ts.
  if (req.method === "POST" && req.url === STRIPE_WEBHOOK_PATH) return void serveStripeWebhook(req, res);
  void handle(req, res);
});
// The browser console's WebSocket (lib/console/console-broker.ts); every other upgrade is Next's.
const consoleBroker = createAppConsoleBroker();
server.on("upgrade", (req, socket, head) => {
  stampClientIp(req);
  if (consoleBroker.handleUpgrade(req, socket, head)) return;
  void upgrade(req, socket, head); // Next's own (dev HMR)
});
server.listen(port, host, () => {
  console.log(`Lab VPS ${dev ? "dev" : "production"} server on http://localhost:${port}`);
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
