import { describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { createTestOrder, createTestPlan, createTestUser } from "@/test/fixtures/capacity";
import { getOrderView } from "@/lib/orders/order-view";

const session = vi.hoisted(() => ({ user: null as null | { id: string; email: string; name: string; role: "customer" } }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth/session", () => ({ getUser: async () => session.user }));
const { GET } = await import("./route");

const statusOf = (id: string) => GET(new Request(`http://app.test/api/orders/${id}/status`), { params: Promise.resolve({ id }) });

async function failedOrder() {
  const [owner, other] = await Promise.all([createTestUser("owner"), createTestUser("stranger")]);
  const plan = await createTestPlan({ vcpus: 2, ramGb: 4, diskGb: 40 });
  const order = await createTestOrder({ userId: owner.id, plan, status: "failed", vm: { nodeName: "pve-secret-node", status: "failed" } });
  await db.order.update({
    where: { id: order.id },
    data: {
      failureReason: "clone on pve-secret-node https://10.9.8.7:8006 failed: VM is locked (clone)",
      customerMessage: "We could not build your VM; you will not be charged for it.",
      flagReason: "internal flag",
    },
  });
  return { owner, other, order };
}

describe("order view and its status route", () => {
  it("I5: another user's order is null for the view and a 404 from the route; signed out, a 401", async () => {
    const { owner, other, order } = await failedOrder();
    expect(await getOrderView(other.id, order.id)).toBeNull();
    expect((await getOrderView(owner.id, order.id))?.id).toBe(order.id);
    for (const [who, status] of [
      [{ ...other, role: "customer" as const }, 404],
      [null, 401],
    ] as const) {
      session.user = who;
      const response = await statusOf(order.id);
      expect(response.status).toBe(status);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(JSON.stringify(await response.json())).not.toContain(order.hostname);
    }
    session.user = { ...owner, role: "customer" };
    expect((await statusOf("no-such-order")).status).toBe(404);
  });

  it("I4: the owner gets the status without failure reason, node, address or flags; never cached", async () => {
    const { owner, order } = await failedOrder();
    session.user = { ...owner, role: "customer" };
    const response = await statusOf(order.id);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      id: order.id,
      status: "failed",
      final: true,
      message: "We could not build your VM; you will not be charged for it.",
    });
    expect(text).not.toMatch(/failureReason|nodeName|pve-secret-node|10\.9\.8\.7|8006|locked|internal flag|flagReason/);
  });
});
