import { afterAll, describe, expect, it } from "vitest";
import { fetch } from "undici";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { priceLookupKey } from "@/lib/billing/ensure-plan-price";
import { findPortalConfiguration } from "@/lib/billing/portal-configuration";
import { setupStripe } from "@/lib/billing/setup-stripe";
import { runServiceChecks } from "@/lib/doctor/service-checks";
import { sim, unique } from "@/test/fixtures/provisioning";

// The db project's Stripe stand-in delivers nowhere (tests call the route directly); for these
// checks it points at this APP_URL's webhook route, as the operator's endpoint would.
const setWebhookUrl = (url: string) =>
  fetch(`${sim().stripe}/_sim/webhooks/url`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url }) });
afterAll(() => setWebhookUrl(""));

const stripeFailures = async () => (await runServiceChecks()).filter((r) => r.service === "stripe" && !r.ok);

describe("npm run doctor: Stripe, Cloudflare, Resend", () => {
  it("passes against the stand-ins after npm run stripe:setup: test-mode key, an endpoint with every event type, the portal configuration, the catalogue's prices, token and zone, verified sending domain", async () => {
    await setWebhookUrl(new URL("/api/webhooks/stripe", env().APP_URL).toString());
    await setupStripe();
    const results = await runServiceChecks();
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => `${r.service}: ${r.name}`)).toEqual([
      "stripe: key mode",
      "stripe: webhook events",
      "stripe: portal configuration",
      "stripe: prices",
      "cloudflare: token",
      "cloudflare: tunnels scope",
      "cloudflare: DNS scope",
      "resend: domain",
    ]);
  });

  it("fails, naming it, when no webhook endpoint receives this APP_URL's events", async () => {
    await setWebhookUrl("https://elsewhere.example/api/webhooks/stripe");
    expect(await stripeFailures()).toEqual([
      expect.objectContaining({ name: "webhook endpoint", detail: `no enabled webhook endpoint for ${new URL("/api/webhooks/stripe", env().APP_URL)}` }),
    ]);
    await setWebhookUrl(new URL("/api/webhooks/stripe", env().APP_URL).toString());
  });

  it("fails, naming them, for a portal configuration changed in the Dashboard and a price that no longer matches its plan; stripe:setup puts both right", async () => {
    const plan = await db.plan.create({
      data: { slug: `doctor-${unique()}`, name: "Doctor", labType: "containerlab", vcpus: 1, ramGb: 1, diskGb: 10, monthlyPriceMinor: 700 },
    });
    await setupStripe();
    const configuration = (await findPortalConfiguration())!;
    await stripe().billingPortal.configurations.update(configuration.id, { features: { subscription_cancel: { enabled: true } } });
    await db.plan.update({ where: { id: plan.id }, data: { monthlyPriceMinor: plan.monthlyPriceMinor + 100 } });
    const failures = await stripeFailures();
    expect(failures.map((f) => f.name)).toEqual(["portal configuration", "prices"]);
    expect(failures[0]!.detail).toContain(`${configuration.id}: subscription_cancel is on`);
    expect(failures[1]!.detail).toContain(
      `${priceLookupKey(plan.slug, "month")}: ${plan.monthlyPriceMinor} usd/month, the plan sells ${plan.monthlyPriceMinor + 100}`,
    );

    await setupStripe();
    expect(await stripeFailures()).toEqual([]);
    await db.plan.update({ where: { id: plan.id }, data: { active: false } });
  });
});
