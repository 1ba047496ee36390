// Stripe, Cloudflare and Resend preflight: list and read calls only (Stripe account objects: stripe-account-checks.ts).
import { stripe } from "@/lib/billing/stripe";
import { cloudflareChecks } from "@/lib/doctor/cloudflare-checks";
import { handledStripeEventTypes } from "@/lib/billing/stripe-event-types";
import { resendChecks } from "@/lib/doctor/resend-checks";
import { env } from "@/lib/env";
import { type CheckResult, fail, guarded, pass } from "@/lib/doctor/check";
import { stripeAccountChecks } from "@/lib/doctor/stripe-account-checks";

async function stripeChecks(): Promise<CheckResult[]> {
  const { STRIPE_SECRET_KEY, APP_URL } = env();
  const live = /^(sk|rk)_live_/.test(STRIPE_SECRET_KEY);
  const local = /^http:\/\/(localhost|127\.|\[::1\])/.test(APP_URL);
  const results = [
    live && local
      ? fail("stripe", "key mode", `a live key with APP_URL ${APP_URL}: real money on a local app`)
      : pass("stripe", "key mode", live ? "live mode" : "test mode"),
  ];
  const url = new URL("/api/webhooks/stripe", APP_URL).toString();
  const endpoints = (await stripe().webhookEndpoints.list({ limit: 100 })).data.filter((e) => e.url === url && e.status === "enabled");
  if (!endpoints.length) return [...results, fail("stripe", "webhook endpoint", `no enabled webhook endpoint for ${url}`)];
  const enabled = new Set(endpoints.flatMap((e) => e.enabled_events));
  const missing = enabled.has("*") ? [] : handledStripeEventTypes.filter((t) => !enabled.has(t));
  results.push(
    missing.length
      ? fail("stripe", "webhook events", `${url} does not receive ${missing.join(", ")}`)
      : pass("stripe", "webhook events", `${endpoints.length} endpoint(s) for ${url} with all ${handledStripeEventTypes.length} event types`),
  );
  return results;
}

export async function runServiceChecks(): Promise<CheckResult[]> {
  const parts = await Promise.all([
    guarded("stripe", "API", stripeChecks),
    guarded("stripe", "account", stripeAccountChecks),
    guarded("cloudflare", "API", cloudflareChecks),
    guarded("resend", "API", resendChecks),
  ]);
  return parts.flat();
}
