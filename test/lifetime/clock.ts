// Whose time a simulated customer lives on. Each customer has their own Stripe test clock: the
// product attaches one to the customer when the operator puts the account on a billing rehearsal
// (lib/billing-state/billing-clock.ts), and the simulation advances it through Stripe's own API, as
// an operator does in the Dashboard. Advancing is asynchronous at Stripe: the clock is `advancing`
// until every renewal, retry and finalization up to the new time is done, then `ready`.
import type { LifetimeWorld } from "./world";

export interface CustomerClock {
  /** Unix seconds on this customer's clock. */
  now(): Promise<number>;
  /** Moves the clock to `unix` and waits until Stripe says it is ready. */
  advanceTo(unix: number): Promise<void>;
}

export function testClockOf(world: LifetimeWorld, clockId: () => string | null): CustomerClock {
  const stripe = () => world.app.stripe();
  const id = () => {
    const value = clockId();
    if (!value) throw new Error("this customer has no test clock yet");
    return value;
  };
  return {
    now: async () => (await stripe().testHelpers.testClocks.retrieve(id())).frozen_time,
    async advanceTo(unix) {
      const clock = await stripe().testHelpers.testClocks.retrieve(id());
      if (unix <= clock.frozen_time) return;
      await stripe().testHelpers.testClocks.advance(id(), { frozen_time: unix });
      for (let i = 0; ; i++) {
        const state = await stripe().testHelpers.testClocks.retrieve(id());
        if (state.status === "ready" && state.frozen_time >= unix) return;
        if (state.status === "internal_failure") throw new Error(`test clock ${id()} failed to advance`);
        if (i > 2_000) throw new Error(`test clock ${id()} never became ready`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
  };
}
