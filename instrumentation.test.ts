// instrumentation.ts is how plain `next start`/`next dev` get the webhook's forwarder: without it,
// events would be acknowledged and recorded but never sent on (until the process running server.ts).
import { afterEach, describe, expect, it, vi } from "vitest";

const startStripeForwarder = vi.fn();
vi.mock("@/lib/billing/stripe-forwarder", () => ({ startStripeForwarder }));

const { register } = await import("./instrumentation");

describe("instrumentation register()", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    startStripeForwarder.mockClear();
  });

  it("I3: starts the Stripe forwarder in the Node.js runtime", async () => {
    vi.stubEnv("NEXT_RUNTIME", "nodejs");
    vi.stubEnv("NEXT_PHASE", "phase-production-server");
    await register();
    expect(startStripeForwarder).toHaveBeenCalledTimes(1);
  });

  it("starts nothing in the Edge runtime or while next build collects pages", async () => {
    vi.stubEnv("NEXT_RUNTIME", "edge");
    await register();
    vi.stubEnv("NEXT_RUNTIME", "nodejs");
    vi.stubEnv("NEXT_PHASE", "phase-production-build");
    await register();
    expect(startStripeForwarder).not.toHaveBeenCalled();
  });
});
