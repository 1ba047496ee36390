// The one Stripe client. STRIPE_API_URL points it at a Stripe-compatible endpoint (the local
// stand-in) through the SDK's own host/port/protocol options; production leaves it unset.
import "server-only";
import Stripe from "stripe";
import { env } from "@/lib/env";

let client: Stripe | undefined;

export function stripe(): Stripe {
  if (client) return client;
  const { STRIPE_SECRET_KEY, STRIPE_API_URL } = env();
  const api = STRIPE_API_URL ? new URL(STRIPE_API_URL) : null;
  client = new Stripe(STRIPE_SECRET_KEY, {
    maxNetworkRetries: 2, // the SDK retries with idempotency keys, so this is safe
    timeout: 20_000,
    appInfo: { name: "lab-vps" },
    ...(api && {
      host: api.hostname,
      port: Number(api.port || (api.protocol === "https:" ? 443 : 80)),
      protocol: api.protocol === "https:" ? "https" : "http",
    }),
  });
  return client;
}

export type { Stripe };
