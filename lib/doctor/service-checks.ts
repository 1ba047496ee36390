// Stripe, Cloudflare and Resend preflight: list and read calls only.
import { cloudflare } from "@/lib/access/cloudflare";
import { stripe } from "@/lib/billing/stripe";
import { handledStripeEventTypes } from "@/lib/billing/stripe-event-types";
import { resendChecks } from "@/lib/doctor/resend-checks";
import { env } from "@/lib/env";
import { type CheckResult, fail, guarded, pass } from "@/lib/doctor/check";

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

// Whether a token may *edit* cannot be learnt without writing; these reads show it reaches the
// account's tunnels and the zone's DNS at all, and that BASE_DOMAIN is inside that zone.
async function cloudflareChecks(): Promise<CheckResult[]> {
  const { CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_ZONE_ID, BASE_DOMAIN } = env();
  const cf = cloudflare();
  const token = await cf.user.tokens.verify();
  const results = [token.status === "active" ? pass("cloudflare", "token", "active") : fail("cloudflare", "token", `token status ${token.status}`)];
  results.push(
    ...(await guarded("cloudflare", "tunnels scope", async () => {
      await cf.zeroTrust.tunnels.cloudflared.list({ account_id: CLOUDFLARE_ACCOUNT_ID, per_page: 1 });
      return pass("cloudflare", "tunnels scope", `reads tunnels of account ${CLOUDFLARE_ACCOUNT_ID}`);
    })),
    ...(await guarded("cloudflare", "DNS scope", async () => {
      const zone = await cf.zones.get({ zone_id: CLOUDFLARE_ZONE_ID });
      await cf.dns.records.list({ zone_id: CLOUDFLARE_ZONE_ID, per_page: 1 });
      const inside = BASE_DOMAIN === zone.name || BASE_DOMAIN.endsWith(`.${zone.name}`);
      return inside
        ? pass("cloudflare", "DNS scope", `reads DNS of ${zone.name}; BASE_DOMAIN ${BASE_DOMAIN} is in it`)
        : fail("cloudflare", "DNS scope", `BASE_DOMAIN ${BASE_DOMAIN} is not in zone ${zone.name}`);
    })),
  );
  return results;
}

export async function runServiceChecks(): Promise<CheckResult[]> {
  const parts = await Promise.all([
    guarded("stripe", "API", stripeChecks),
    guarded("cloudflare", "API", cloudflareChecks),
    guarded("resend", "API", resendChecks),
  ]);
  return parts.flat();
}
