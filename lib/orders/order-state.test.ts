import { describe, expect, it } from "vitest";
import { canTransitionOrder } from "./order-state";

describe("order state machine", () => {
  it("I1: an order awaiting payment can only become paid or expired", () => {
    expect(canTransitionOrder("awaiting_payment", "paid")).toBe(true);
    expect(canTransitionOrder("awaiting_payment", "expired")).toBe(true);
    expect(canTransitionOrder("awaiting_payment", "provisioning")).toBe(false);
    expect(canTransitionOrder("awaiting_payment", "provisioned")).toBe(false);
  });

  it("provisioning starts only from paid, or from failed by an operator retry", () => {
    expect(canTransitionOrder("paid", "provisioning")).toBe(true);
    expect(canTransitionOrder("failed", "provisioning")).toBe(true);
    expect(canTransitionOrder("expired", "provisioning")).toBe(false);
    expect(canTransitionOrder("provisioned", "provisioning")).toBe(false);
  });

  it("a provisioned order is final", () => {
    for (const to of ["awaiting_payment", "paid", "provisioning", "failed", "expired"] as const) {
      expect(canTransitionOrder("provisioned", to)).toBe(false);
    }
  });

  it("a payment that lands after expiry still counts (Stripe is the authority on money)", () => {
    expect(canTransitionOrder("expired", "paid")).toBe(true);
  });
});
