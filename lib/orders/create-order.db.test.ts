import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import fs from "node:fs";
import { Agent, fetch as undiciFetch } from "undici";
import { db } from "@/lib/db";
import { FieldError, UserFacingError } from "@/lib/errors";
import { stripe } from "@/lib/billing/stripe";
import { listClusterNodes } from "@/lib/proxmox/api";
import { priceLookupKey } from "@/lib/billing/ensure-plan-price";
import { addSshKey } from "@/lib/ssh-keys/add-ssh-key";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { catalogScope, createTestUser } from "@/test/fixtures/capacity";
import { checkoutSchema, createOrder, SAVED_KEY_FIELD_PREFIX, SoldOutError, type CheckoutInput } from "./create-order";

const simUrls = inject("simUrls");
const keyLine = () => makeEd25519PublicKey("ada@laptop");
const normalized = (line: string) => line.split(" ").slice(0, 2).join(" ");
// Far beyond any real node, so only this file's node can hold it (the database is shared).
const BIG = { vcpus: 70_000, ramGb: 70_000, diskGb: 70_000 };
const HUGE = { vcpus: 10_000_000, ramGb: 10_000_000, diskGb: 10_000_000 };

const catalog = catalogScope();
const createTestPlan = catalog.plan;
beforeAll(async () => {
  // Stripe checks expires_at against its own clock; the stand-in has no shared clock to move any
  // more (test clocks are per customer), so a checkout here is always on real time.
  await catalog.node({ vcpus: 1_000_000, ramGb: 1_000_000, diskGb: 1_000_000 });
});
afterAll(async () => {
  await catalog.retire();
  await proxmoxTls.close();
});

const input = (plan: string, over: Partial<CheckoutInput> = {}): CheckoutInput => ({
  plan,
  interval: "month",
  hostname: "lab-1",
  sshKeyIds: [],
  newKey: undefined,
  newKeyName: undefined,
  ...over,
});
const ordersOf = (userId: string) => db.order.findMany({ where: { userId } });
// The Proxmox stand-in speaks TLS with its own CA, pinned like the real client pins it.
const proxmoxTls = new Agent({ connect: { ca: fs.readFileSync(process.env.PROXMOX_CA_CERT_FILE!, "utf8") } });
const proxmoxRequests = async (since = 0) =>
  (await (await undiciFetch(`${simUrls.proxmox}/_sim/requests?since=${since}`, { dispatcher: proxmoxTls })).json()) as { id: number }[];

describe("createOrder", () => {
  it("records an awaiting_payment order and a subscription Checkout Session that carries the order id everywhere", async () => {
    const user = await createTestUser("checkout");
    const plan = await createTestPlan({ ...BIG, monthlyPriceMinor: 4321 });
    const saved = await addSshKey(user.id, { name: "laptop", publicKey: keyLine() });
    const pasted = keyLine();
    const before = Date.now();
    const { orderId, checkoutUrl } = await createOrder(
      user,
      input(plan.slug, { hostname: "my-lab", sshKeyIds: [saved.id], newKey: pasted, newKeyName: "desktop" }),
    );

    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const customer = (await db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId;
    const savedLine = (await db.sshKey.findUniqueOrThrow({ where: { id: saved.id } })).publicKey;
    expect(order).toMatchObject({
      status: "awaiting_payment",
      planId: plan.id,
      interval: "month",
      amountMinor: 4321,
      currency: "usd",
      hostname: "my-lab",
      sshPublicKeys: [savedLine, normalized(pasted)],
      stripeCustomerId: customer,
    });
    expect((await db.sshKey.findMany({ where: { userId: user.id } })).map((k) => k.name).sort()).toEqual(["desktop", "laptop"]);

    const checkout = await stripe().checkout.sessions.retrieve(order.stripeCheckoutSessionId!, { expand: ["line_items"] });
    expect(checkoutUrl).toBe(checkout.url);
    expect(checkout).toMatchObject({
      mode: "subscription",
      status: "open",
      client_reference_id: orderId,
      metadata: { orderId },
      customer,
      allowed_payment_method_types: ["card"], // card only: endive lets the Dashboard add bank debits otherwise
      success_url: `${process.env.APP_URL ?? "http://localhost:3000"}/orders/${orderId}?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${process.env.APP_URL ?? "http://localhost:3000"}/orders/${orderId}?canceled=1`,
    });
    expect(checkout.expires_at * 1000).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(checkout.expires_at * 1000).toBeLessThanOrEqual(Date.now() + 32 * 60_000);
    const [item] = checkout.line_items!.data;
    expect(item).toMatchObject({ quantity: 1, price: { unit_amount: order.amountMinor, lookup_key: priceLookupKey(plan.slug, "month") } });
    expect(await db.auditEvent.count({ where: { subjectType: "order", subjectId: orderId, action: "order.checkout_started", actorId: user.id } })).toBe(1);

    // subscription_data.metadata only shows on the subscription Checkout creates: pay and look.
    const paid = await fetch(`${simUrls.stripe}/_sim/checkout/${checkout.id}/pay`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(paid.status).toBe(200);
    const completed = await stripe().checkout.sessions.retrieve(checkout.id, { expand: ["subscription"] });
    expect(completed.subscription).toMatchObject({ metadata: { orderId } });
    // Paying in Stripe changes nothing here by itself: only the webhook moves the order (I1).
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("awaiting_payment");
  });

  it("I1: creating the order and its Checkout Session sends no request to Proxmox", async () => {
    const user = await createTestUser("i1");
    const plan = await createTestPlan(BIG);
    // The log really records this client's requests (so an empty log below means something).
    await listClusterNodes();
    const last = (await proxmoxRequests()).at(-1)?.id ?? 0;
    expect(last).toBeGreaterThan(0);
    await createOrder(user, input(plan.slug, { newKey: keyLine() }));
    expect(await proxmoxRequests(last)).toEqual([]);
  });

  it("charges the yearly price for a yearly order", async () => {
    const user = await createTestUser("yearly");
    const plan = await createTestPlan({ ...BIG, monthlyPriceMinor: 1000, yearlyPriceMinor: 9900 });
    const { orderId } = await createOrder(user, input(plan.slug, { interval: "year", newKey: keyLine() }));
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const checkout = await stripe().checkout.sessions.retrieve(order.stripeCheckoutSessionId!, { expand: ["line_items"] });
    expect(order).toMatchObject({ interval: "year", amountMinor: 9900 });
    expect(checkout.line_items!.data[0]!.price).toMatchObject({ unit_amount: 9900, recurring: { interval: "year" } });
  });

  it("a sold-out plan is refused with no order, no key saved and nothing in Stripe", async () => {
    const user = await createTestUser("soldout");
    const plan = await createTestPlan(HUGE);
    const error = await createOrder(user, input(plan.slug, { newKey: keyLine() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SoldOutError);
    expect(await ordersOf(user.id)).toEqual([]);
    expect(await db.sshKey.count({ where: { userId: user.id } })).toBe(0);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId).toBeNull();
    expect((await stripe().prices.list({ lookup_keys: [priceLookupKey(plan.slug, "month")] })).data).toEqual([]);
  });

  it("two checkouts racing for the last slot: one order, the other sold out", async () => {
    const plan = await createTestPlan({ vcpus: 600_000, ramGb: 1, diskGb: 1 }); // the node holds one
    const [a, b] = await Promise.all([createTestUser("race-a"), createTestUser("race-b")]);
    const results = await Promise.allSettled([a, b].map((u) => createOrder(u, input(plan.slug, { newKey: keyLine() }))));
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: expect.any(SoldOutError) });
    expect(await db.order.count({ where: { planId: plan.id } })).toBe(1);
  });

  it("I10: a Stripe failure while creating the price leaves no order and no new key", async () => {
    const user = await createTestUser("priceless");
    // Stripe refuses a negative unit_amount: a real error response on the price-creation path.
    const plan = await createTestPlan({ ...BIG, monthlyPriceMinor: -100 });
    const error = await createOrder(user, input(plan.slug, { newKey: keyLine() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toBe("We could not start the payment. You have not been charged; please try again in a moment.");
    expect(await ordersOf(user.id)).toEqual([]);
    expect(await db.sshKey.count({ where: { userId: user.id } })).toBe(0);
    // Not a plan anyone sells: later files set up Stripe for every active plan (lib/doctor).
    await db.plan.update({ where: { id: plan.id }, data: { active: false } });
  });

  it("I10: a Stripe failure while creating the session removes the order and only the key it added", async () => {
    const user = await createTestUser("sessionless");
    const plan = await createTestPlan(BIG);
    const kept = keyLine();
    const existing = await addSshKey(user.id, { name: "kept", publicKey: kept });
    // A customer id Stripe does not know (e.g. deleted in the dashboard): sessions.create answers 404.
    await db.user.update({ where: { id: user.id }, data: { stripeCustomerId: `cus_gone${Date.now()}` } });
    for (const newKey of [kept, keyLine()]) {
      const error = await createOrder(user, input(plan.slug, { newKey })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserFacingError);
    }
    expect(await ordersOf(user.id)).toEqual([]);
    expect((await db.sshKey.findMany({ where: { userId: user.id } })).map((k) => k.id)).toEqual([existing.id]);
  });

  it("I10/I5: unusable key choices and intervals are field errors that create nothing", async () => {
    const [user, other] = await Promise.all([createTestUser("fields"), createTestUser("other")]);
    const plan = await createTestPlan({ ...BIG, yearlyPriceMinor: null });
    const theirs = await addSshKey(other.id, { name: "theirs", publicKey: keyLine() });
    const cases: [Partial<CheckoutInput>, string, string][] = [
      [{}, "sshKeys", "Choose a saved key or paste a public key."],
      [{ sshKeyIds: [theirs.id] }, "sshKeys", "One of the chosen keys no longer exists. Choose your keys again."],
      [{ newKey: "ssh-ed25519 not*base64" }, "newKey", "The key data is not valid base64."],
      [{ newKey: keyLine(), interval: "year" }, "interval", "This plan is sold monthly only."],
    ];
    for (const [over, field, message] of cases) {
      const error = await createOrder(user, input(plan.slug, over)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FieldError);
      expect(error).toMatchObject({ field, message });
    }
    await expect(createOrder(user, input("no-such-plan", { newKey: keyLine() }))).rejects.toThrow("This plan is no longer on sale.");
    expect(await ordersOf(user.id)).toEqual([]);
    expect(await db.sshKey.count({ where: { userId: user.id } })).toBe(0);
  });
});

describe("checkoutSchema", () => {
  it("I10: hostnames are DNS labels of 1–40 lowercase letters, digits and hyphens", () => {
    const host = (hostname: string) => checkoutSchema.safeParse({ plan: "p", interval: "month", hostname, [`${SAVED_KEY_FIELD_PREFIX}k1`]: "on" });
    expect(host("Lab-01").data?.hostname).toBe("lab-01");
    for (const bad of ["", "-lab", "lab-", "lab_1", "lab.example", "a".repeat(41), "läb"]) expect(host(bad).success, bad).toBe(false);
    expect(host("a".repeat(40)).success).toBe(true);
  });

  it("collects the ticked saved keys and drops a blank pasted key", () => {
    const parsed = checkoutSchema.parse({
      plan: "p",
      interval: "year",
      hostname: "h",
      "sshKey:k1": "on",
      "sshKey:k2": "on",
      "sshKey:k3": "off",
      newKey: "  ",
      newKeyName: "",
    });
    expect(parsed).toEqual({ plan: "p", interval: "year", hostname: "h", sshKeyIds: ["k1", "k2"], newKey: undefined, newKeyName: undefined });
  });
});
