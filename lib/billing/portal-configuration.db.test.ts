// The product's own customer portal configuration (issue 17, Build 1): card update and invoice
// history only; created once however many card updates race to it, found again by its metadata
// when the stored id is gone, repaired (and audited) when someone turned a feature on in the
// Dashboard. Against the Stripe stand-in, whose configurations behave as Stripe's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { ensurePortalConfiguration, findPortalConfiguration, PORTAL_FEATURES } from "@/lib/billing/portal-configuration";
import { usePrivateStripeSim } from "@/test/fixtures/billing";

let closeStripe: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  closeStripe = await usePrivateStripeSim();
  await db.stripeAccountObject.deleteMany();
});
afterAll(() => closeStripe());

const ours = async () => (await stripe().billingPortal.configurations.list({ limit: 100 })).data.filter((c) => c.metadata?.labvps === "card-update");

describe("the product's portal configuration", () => {
  it("concurrent first uses create one configuration with only the card and invoices, its id stored", async () => {
    const ids = await Promise.all([ensurePortalConfiguration(), ensurePortalConfiguration(), ensurePortalConfiguration()]);
    expect(new Set(ids).size).toBe(1);
    const [configuration] = await ours();
    expect(await ours()).toHaveLength(1);
    expect(configuration!.id).toBe(ids[0]);
    for (const [feature, enabled] of Object.entries(PORTAL_FEATURES)) {
      expect(configuration!.features[feature as keyof typeof PORTAL_FEATURES].enabled, feature).toBe(enabled);
    }
    expect(configuration!.default_return_url).toMatch(/\/billing$/);
    expect(await db.stripeAccountObject.findUnique({ where: { purpose: "portal_configuration:card_update" } })).toMatchObject({ stripeId: ids[0] });
  });

  it("a configuration changed in the Dashboard is put back before use, and audited; a lost stored id is found again by metadata", async () => {
    const id = await ensurePortalConfiguration();
    await stripe().billingPortal.configurations.update(id, { features: { subscription_cancel: { enabled: true }, subscription_update: { enabled: true } } });
    expect(await ensurePortalConfiguration()).toBe(id);
    expect((await stripe().billingPortal.configurations.retrieve(id)).features).toMatchObject({
      subscription_cancel: { enabled: false },
      subscription_update: { enabled: false },
    });
    const [audit] = await db.auditEvent.findMany({ where: { action: "stripe.portal_configuration_repaired", subjectId: id } });
    expect(audit!.data).toEqual({ problems: ["subscription_cancel is on", "subscription_update is on"] });

    await db.stripeAccountObject.deleteMany();
    expect((await findPortalConfiguration())?.id).toBe(id);
    expect(await ensurePortalConfiguration()).toBe(id);
    expect(await ours()).toHaveLength(1);
  });
});
