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
const setToken = (model: { kind?: "user" | "account"; permissions?: string[] | null }) =>
  fetch(`${sim().cloudflare}/_sim/token`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(model) });
afterAll(async () => {
  await setWebhookUrl("");
  await setToken({ kind: "user", permissions: null });
});
const cloudflareResults = async () => (await runServiceChecks()).filter((r) => r.service === "cloudflare");

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
      "cloudflare: token permissions",
      "cloudflare: tunnels scope",
      "cloudflare: DNS scope",
      "cloudflare: Access scope",
      "cloudflare: Access team",
      "resend: domain",
      "resend: deliveries",
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

  it("verifies an account-owned token through the account endpoint, and checks its permission groups when it may read them", async () => {
    await setToken({ kind: "account", permissions: ["Access: Apps and Policies Write", "Cloudflare Tunnel Write", "DNS Write", "Account API Tokens Read"] });
    const results = await cloudflareResults();
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.find((r) => r.name === "token")?.detail).toBe("active (account-owned token)");
    expect(results.find((r) => r.name === "token permissions")?.detail).toBe("Access: Apps and Policies Write, Cloudflare Tunnel Write, DNS Write");
    expect(results.find((r) => r.name === "Access team")?.detail).toMatch(/team labvps-sim\.cloudflareaccess\.com not checked/);
  });

  it("fails, naming it, when the token lacks Access: Apps and Policies Edit", async () => {
    await setToken({ kind: "user", permissions: ["Cloudflare Tunnel Write", "DNS Write", "API Tokens Read"] });
    const failed = (await cloudflareResults()).filter((r) => !r.ok);
    expect(failed).toEqual([
      expect.objectContaining({ name: "token permissions", detail: expect.stringMatching(/^missing Access: Apps and Policies Write/) }),
      expect.objectContaining({ name: "Access scope", detail: expect.stringMatching(/403/) }),
    ]);
  });

  it("without API Tokens Read it says what it could not check, and the reads still run", async () => {
    await setToken({ kind: "user", permissions: ["Access: Apps and Policies Write", "Cloudflare Tunnel Write", "DNS Write"] });
    const results = await cloudflareResults();
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.find((r) => r.name === "token permissions")?.detail).toMatch(/^cannot read its own permissions \(add API Tokens Read/);
  });
});
