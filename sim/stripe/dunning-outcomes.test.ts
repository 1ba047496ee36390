// Contract: the account's "Manage failed payments" settings (issue 17, "what the stand-in hides"
// 3). After the last retry the subscription is canceled (reason payment_failed), marked unpaid or
// left past_due, and the invoice is left open or marked uncollectible; an uncollectible invoice can
// still be paid. Each combination, through the real client and the control that sets it.
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS } from "./renewal";
import { advanceTo as advanceClock, clockNow, DAY, type Rig, startRig, subscribe } from "./testkit";
import type { DunningSettings } from "./types";

let rig: Rig;
afterEach(() => rig.close());

const advanceTo = (clock: string, unix: number) => advanceClock(rig, clock, Math.max(unix, clockNow(rig, clock)));
const setDunning = (settings: Partial<DunningSettings>) =>
  fetch(`${rig.sim.url}/_sim/settings/dunning`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(settings) });

/** A subscription whose renewal fails on a soft decline, past its one retry. */
async function exhaustRetries() {
  const subscribed = await subscribe(rig);
  rig.sim.setCustomerCard(subscribed.customer, "4000000000009995");
  await advanceTo(subscribed.clock, subscribed.subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
  const [renewal] = (await rig.stripe.invoices.list({ subscription: subscribed.subscription.id })).data;
  expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", status: "open", next_payment_attempt: expect.any(Number) });
  expect((await rig.stripe.subscriptions.retrieve(subscribed.subscription.id)).status).toBe("past_due");
  await advanceTo(subscribed.clock, renewal!.next_payment_attempt! + DAY);
  return { ...subscribed, renewal: await rig.stripe.invoices.retrieve(renewal!.id) };
}

const SUBSCRIPTION = {
  cancel: { status: "canceled", cancellation_details: { reason: "payment_failed" } },
  unpaid: { status: "unpaid" },
  past_due: { status: "past_due" },
} as const;
const INVOICE = {
  past_due: { status: "open", next_payment_attempt: null },
  uncollectible: { status: "uncollectible", next_payment_attempt: null, status_details: { uncollectible: { reason: "max_payment_attempts" } } },
} as const;

describe("after the last retry, as the account's settings say", () => {
  for (const subscription of ["cancel", "unpaid", "past_due"] as const) {
    for (const invoice of ["past_due", "uncollectible"] as const) {
      it(`subscription ${subscription}, invoice ${invoice}; paying the invoice afterwards ${subscription === "cancel" ? "settles it (the subscription stays canceled)" : "reactivates the subscription"}`, async () => {
        rig = await startRig({ retryScheduleDays: [1] });
        expect((await setDunning({ subscription, invoice })).status).toBe(200);
        const { renewal, subscription: sub } = await exhaustRetries();
        expect(renewal).toMatchObject({ attempt_count: 2, ...INVOICE[invoice] });
        expect(await rig.stripe.subscriptions.retrieve(sub.id)).toMatchObject(SUBSCRIPTION[subscription]);
        const types = rig.sim.events().map((e) => e.type);
        expect(types.includes("invoice.marked_uncollectible")).toBe(invoice === "uncollectible");
        expect(types.includes("customer.subscription.deleted")).toBe(subscription === "cancel");
        expect((rig.sim.events("invoice.payment_failed").at(-1)!.data.object as Stripe.Invoice).next_payment_attempt).toBeNull();

        const paid = rig.sim.payInvoice(renewal.id, "4242424242424242");
        expect(paid).toMatchObject({ paid: true, invoice: { status: "paid" } });
        expect(paid.invoice.status_details).toBeUndefined();
        expect((await rig.stripe.subscriptions.retrieve(sub.id)).status).toBe(subscription === "cancel" ? "canceled" : "active");
      });
    }
  }

  it("a hard decline skips the retries: the outcome applies at the first failure", async () => {
    rig = await startRig({ retryScheduleDays: [3, 5, 7], dunning: { subscription: "unpaid", invoice: "uncollectible" } });
    const { subscription, customer, clock } = await subscribe(rig);
    rig.sim.setCustomerCard(customer, "4000000000009987");
    await advanceTo(clock, subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    const [renewal] = (await rig.stripe.invoices.list({ subscription: subscription.id })).data;
    expect(renewal).toMatchObject({ status: "uncollectible", attempt_count: 1, next_payment_attempt: null });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("unpaid");
  });

  it("an older invoice's last retry leaves the subscription as it is when its latest invoice is paid", async () => {
    rig = await startRig({ retryScheduleDays: [40], dunning: { subscription: "cancel", invoice: "past_due" } });
    const { subscription, customer, clock } = await subscribe(rig);
    rig.sim.setCustomerCard(customer, "4000000000009995");
    const firstEnd = subscription.items.data[0]!.current_period_end;
    await advanceTo(clock, firstEnd + RENEWAL_DRAFT_SECONDS);
    rig.sim.setCustomerCard(customer, "4242424242424242");
    // The next renewal (paid) comes before the first invoice's one retry (40 days, declined again).
    const next = (await rig.stripe.subscriptions.retrieve(subscription.id)).items.data[0]!.current_period_end;
    await advanceTo(clock, next + RENEWAL_DRAFT_SECONDS);
    const [latest, older] = (await rig.stripe.invoices.list({ subscription: subscription.id })).data;
    expect(latest).toMatchObject({ status: "paid" });
    rig.sim.setCustomerCard(customer, "4000000000009995");
    await advanceTo(clock, older!.next_payment_attempt! + 1);
    expect(await rig.stripe.invoices.retrieve(older!.id)).toMatchObject({ status: "open", next_payment_attempt: null, attempt_count: 2 });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
  });

  it("the setting is read and validated by its control", async () => {
    rig = await startRig();
    expect(await fetch(`${rig.sim.url}/_sim/settings/dunning`).then((r) => r.json())).toEqual({ subscription: "unpaid", invoice: "past_due" });
    expect((await setDunning({ subscription: "delete" } as never)).status).toBe(400);
    expect(await setDunning({ invoice: "uncollectible" }).then((r) => r.json())).toEqual({ subscription: "unpaid", invoice: "uncollectible" });
  });
});
