// Stripe, Cloudflare and Resend preflight: list and read calls only (Stripe account objects: stripe-account-checks.ts).
import { stripe } from "@/lib/billing/stripe";
import { cloudflareChecks } from "@/lib/doctor/cloudflare-checks";
import { handledStripeEventTypes } from "@/lib/billing/stripe-event-types";
import { resend } from "@/lib/email/resend";
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

async function resendChecks(): Promise<CheckResult> {
  const domain = /@([^>\s]+)>?\s*$/.exec(env().MAIL_FROM)?.[1]?.toLowerCase();
  if (!domain) return fail("resend", "domain", `MAIL_FROM ${env().MAIL_FROM} has no domain`);
  const { data, error } = await resend().domains.list();
  if (error) return fail("resend", "domain", error.message);
  const found = data?.data.find((d) => d.name.toLowerCase() === domain);
  if (!found) return fail("resend", "domain", `${domain} (from MAIL_FROM) is not a domain of this Resend account`);
  return found.status === "verified" ? pass("resend", "domain", `${domain} verified`) : fail("resend", "domain", `${domain} is ${found.status}, not verified`);
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
