import { afterAll, describe, expect, it } from "vitest";
import { fetch } from "undici";
import { env } from "@/lib/env";
import { runServiceChecks } from "@/lib/doctor/service-checks";
import { sim } from "@/test/fixtures/provisioning";

// The db project's Stripe stand-in delivers nowhere (tests call the route directly); for these
// checks it points at this APP_URL's webhook route, as the operator's endpoint would.
const setWebhookUrl = (url: string) =>
  fetch(`${sim().stripe}/_sim/webhooks/url`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url }) });
afterAll(() => setWebhookUrl(""));

describe("npm run doctor: Stripe, Cloudflare, Resend", () => {
  it("passes against the stand-ins: test-mode key, an endpoint for APP_URL with every event type, token and zone, verified sending domain", async () => {
    await setWebhookUrl(new URL("/api/webhooks/stripe", env().APP_URL).toString());
    const results = await runServiceChecks();
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => `${r.service}: ${r.name}`)).toEqual([
      "stripe: key mode",
      "stripe: webhook events",
      "cloudflare: token",
      "cloudflare: tunnels scope",
      "cloudflare: DNS scope",
      "resend: domain",
      "resend: deliveries",
    ]);
  });

  it("fails, naming it, when no webhook endpoint receives this APP_URL's events", async () => {
    await setWebhookUrl("https://elsewhere.example/api/webhooks/stripe");
    const stripe = (await runServiceChecks()).filter((r) => r.service === "stripe" && !r.ok);
    expect(stripe).toEqual([
      expect.objectContaining({ name: "webhook endpoint", detail: `no enabled webhook endpoint for ${new URL("/api/webhooks/stripe", env().APP_URL)}` }),
    ]);
  });
});
