// The checkout action through the real wrapper, against the Stripe stand-in; only "who is signed
// in" is decided by the test.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { db } from "@/lib/db";
import { idleState } from "@/lib/actions/form-state";
import { addSshKey } from "@/lib/ssh-keys/add-ssh-key";
import { catalogScope, createTestUser } from "@/test/fixtures/capacity";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { formData as form } from "@/test/fixtures/vm";

const session = vi.hoisted(() => ({ user: null as null | { id: string; email: string; name: string; role: "customer"; emailVerified: Date | null } }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth/session", () => ({ requireUser: async () => session.user, getUser: async () => session.user }));
const { checkoutAction } = await import("./actions");

const simUrls = inject("simUrls");
const keyLine = () => makeEd25519PublicKey("ada@laptop");
// Far beyond any real node, so only this file's node can hold it (the database is shared).
const BIG = { vcpus: 70_000, ramGb: 70_000, diskGb: 70_000 };
const HUGE = { vcpus: 10_000_000, ramGb: 10_000_000, diskGb: 10_000_000 };
const ordersOf = (userId: string) => db.order.findMany({ where: { userId } });

const catalog = catalogScope();
const createTestPlan = catalog.plan;
beforeAll(() => catalog.node({ vcpus: 1_000_000, ramGb: 1_000_000, diskGb: 1_000_000 }));
afterAll(() => catalog.retire());

describe("checkout action", () => {
  it("is refused, with the reason, for a customer whose email address is not confirmed, and creates no order", async () => {
    const user = await createTestUser("unverified");
    session.user = { ...user, role: "customer", emailVerified: null };
    const plan = await createTestPlan(BIG);
    const result = await checkoutAction(idleState, form({ plan: plan.slug, interval: "month", hostname: "lab-box", newKey: keyLine() }));
    expect(result).toMatchObject({ status: "error", message: expect.stringMatching(/^Please confirm your email address first\. Before your first order/) });
    expect(await ordersOf(user.id)).toEqual([]);
  });

  it("I10: every field's error comes back at once (hostname, billing and keys), and nothing is written", async () => {
    const user = await createTestUser("all-errors");
    session.user = { ...user, role: "customer", emailVerified: new Date() };
    const plan = await createTestPlan(BIG);
    const none = await checkoutAction(idleState, form({ plan: plan.slug, interval: "weekly", hostname: "-bad-" }));
    expect(none).toMatchObject({ status: "error" });
    expect(Object.keys(none.fieldErrors ?? {}).sort()).toEqual(["hostname", "interval", "sshKeys"]);
    expect(none.fieldErrors?.sshKeys).toBe("Choose a saved key or paste a public key.");
    const badKey = await checkoutAction(idleState, form({ plan: plan.slug, interval: "month", hostname: "-bad-", newKey: "ssh-rsa nonsense" }));
    expect(Object.keys(badKey.fieldErrors ?? {}).sort()).toEqual(["hostname", "newKey"]);
    expect(await ordersOf(user.id)).toEqual([]);
  });

  it("redirects to Stripe's hosted page for a valid form", async () => {
    const user = await createTestUser("action");
    session.user = { ...user, role: "customer", emailVerified: new Date() };
    const plan = await createTestPlan(BIG);
    const key = await addSshKey(user.id, { name: "laptop", publicKey: keyLine() });
    const error = await checkoutAction(idleState, form({ plan: plan.slug, interval: "month", hostname: "Lab-Box", [`sshKey:${key.id}`]: "on" })).catch(
      (e: unknown) => e,
    );
    const [order] = await ordersOf(user.id);
    expect(order).toMatchObject({ hostname: "lab-box", sshPublicKeys: [(await db.sshKey.findUniqueOrThrow({ where: { id: key.id } })).publicKey] });
    expect((error as { digest?: string }).digest).toContain(`${simUrls.stripe}/checkout/${order!.stripeCheckoutSessionId}`);
  });

  it("I10: answers field errors and a sold-out message without creating an order", async () => {
    const user = await createTestUser("action-bad");
    session.user = { ...user, role: "customer", emailVerified: new Date() };
    const bad = await checkoutAction(idleState, form({ plan: "x", interval: "week", hostname: "-bad_" }));
    expect(bad).toMatchObject({ status: "error", fieldErrors: { interval: "Choose monthly or yearly billing.", hostname: expect.any(String) } });
    const full = await createTestPlan(HUGE);
    const soldOut = await checkoutAction(idleState, form({ plan: full.slug, interval: "month", hostname: "lab", newKey: keyLine() }));
    expect(soldOut).toMatchObject({ status: "error", message: expect.stringContaining("sold out") });
    expect(await ordersOf(user.id)).toEqual([]);
  });
});
