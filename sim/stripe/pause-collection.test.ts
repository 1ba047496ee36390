// Contract: pausing a subscription's payment collection (`pause_collection`), as the operator does
// while a VM is suspended for abuse: the subscription stays active, its renewals are not charged.
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS } from "./renewal";
import { advanceTo as advanceClock, clockNow, DAY, type Rig, startRig, subscribe, waitFor } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

// Each customer lives on their own test clock (as at Stripe): move theirs, never a shared one.
const advanceTo = (clock: string, unix: number) => advanceClock(rig, clock, Math.max(unix, clockNow(rig, clock)));
const renewals = async (subscription: string) =>
  ((await rig.stripe.invoices.list({ subscription, limit: 100 })).data as Stripe.Invoice[]).filter((i) => i.billing_reason === "subscription_cycle");

describe("pause_collection", () => {
  it("mark_uncollectible: the subscription stays active, the renewal is finalized and marked uncollectible, never charged", async () => {
    rig = await startRig();
    const { subscription, clock } = await subscribe(rig);
    const paused = await rig.stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: "mark_uncollectible" } });
    expect(paused.pause_collection).toEqual({ behavior: "mark_uncollectible", resumes_at: null });
    await advanceTo(clock, subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    const [renewal] = await renewals(subscription.id);
    expect(renewal).toMatchObject({ status: "uncollectible", attempt_count: 0, status_details: { uncollectible: { reason: "subscription_paused" } } });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
  });

  it("keep_as_draft leaves the renewal a draft; void voids it; clearing the pause charges the next renewal again", async () => {
    rig = await startRig();
    const { subscription, clock } = await subscribe(rig);
    const end = subscription.items.data[0]!.current_period_end;
    await rig.stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: "keep_as_draft" } });
    await advanceTo(clock, end + RENEWAL_DRAFT_SECONDS + DAY);
    expect((await renewals(subscription.id))[0]).toMatchObject({ status: "draft", auto_advance: false, automatically_finalizes_at: null });

    await rig.stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: "void" } });
    const next = (await rig.stripe.subscriptions.retrieve(subscription.id)).items.data[0]!.current_period_end;
    await advanceTo(clock, next + RENEWAL_DRAFT_SECONDS);
    expect((await renewals(subscription.id))[0]).toMatchObject({ status: "void" });

    const resumed = await rig.stripe.subscriptions.update(subscription.id, { pause_collection: "" });
    expect(resumed.pause_collection).toBeNull();
    await advanceTo(clock, resumed.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    expect((await renewals(subscription.id))[0]).toMatchObject({ status: "paid" });
  });

  it("resumes_at ends the pause by itself (customer.subscription.updated); a bad behavior or a past resumes_at is refused", async () => {
    rig = await startRig();
    const { subscription, clock } = await subscribe(rig);
    const resumesAt = clockNow(rig, clock) + 2 * DAY;
    await rig.stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: "void", resumes_at: resumesAt } });
    await advanceTo(clock, resumesAt);
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).pause_collection).toBeNull();
    const resumed = () =>
      rig.receiver.received.find(
        (r) =>
          r.event.type === "customer.subscription.updated" &&
          JSON.stringify(r.event.data.previous_attributes) === JSON.stringify({ pause_collection: { behavior: "void", resumes_at: resumesAt } }),
      );
    await waitFor(resumed);

    await expect(rig.stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: "stop" as "void" } })).rejects.toMatchObject({
      param: "pause_collection[behavior]",
    });
    await expect(
      rig.stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: "void", resumes_at: clockNow(rig, clock) - 10 } }),
    ).rejects.toMatchObject({ param: "pause_collection[resumes_at]" });
    await expect(
      rig.stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: "void", until: 5 } as Stripe.SubscriptionUpdateParams.PauseCollection }),
    ).rejects.toMatchObject({ code: "parameter_unknown", param: "pause_collection[until]" });
  });
});
