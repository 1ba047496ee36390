// The enforcement ladder under each of Stripe's dunning outcomes (issue 17, Build 3; "what the
// stand-in hides" 3): after the last retry the account cancels the subscription, marks it unpaid or
// leaves it past_due, and leaves the invoice open or marks it uncollectible. Whatever the setting,
// money owed is overdue: a non-payer is never restored without paying, a payer is restored — except
// where Stripe already canceled the subscription, which no payment can bring back (the README's
// recommended settings avoid that). Stripe's events reach the served functions as in production.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stripe } from "@/lib/billing/stripe";
import { env } from "@/lib/env";
import { runLadderTick } from "@/lib/billing-state/apply-ladder";
import { ladderConfig } from "@/lib/billing-state/ladder";
import { reconcileSubscription } from "@/lib/billing-state/reconcile";
import { getVmStatus } from "@/lib/proxmox/api";
import { billingSuspendVmFunction } from "@/inngest/functions/billing-suspend-vm";
import { customerClock, enforcementOf, payInvoiceOnPage, setCard, subscribedVm, usePrivateStripeSim } from "@/test/fixtures/billing";
import { deliverStripeEvents, stripeEventMark } from "@/test/fixtures/stripe-delivery";
import { retireProvisioningFixtures } from "@/test/fixtures/provisioning";

let closeStripe: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  // One retry a day after the failed renewal: Stripe's outcome lands before the ladder's final warning.
  closeStripe = await usePrivateStripeSim({ retryScheduleDays: [1] });
});
afterAll(async () => {
  await retireProvisioningFixtures();
  await closeStripe();
});

const HOUR = 3_600;
const DAY = 86_400;
const at = (unix: number) => new Date(unix * 1000);

type Outcome = { subscription: "cancel" | "unpaid" | "past_due"; invoice: "past_due" | "uncollectible" };
const setDunning = async (outcome: Outcome) => {
  const response = await fetch(`${env().STRIPE_API_URL}/_sim/settings/dunning`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(outcome),
  });
  expect(response.status).toBe(200);
};

/** Through the renewal and its last retry under `outcome`; Stripe's events delivered after each. */
async function exhaustDunning(outcome: Outcome) {
  await setDunning(outcome);
  const s = await subscribedVm();
  await setCard(s.customerId, "4000000000000002");
  let mark = await stripeEventMark();
  const live = await stripe().subscriptions.retrieve(s.subscriptionId);
  await customerClock.advanceTo(s, live.items.data[0]!.current_period_end + 2 * HOUR);
  await deliverStripeEvents(mark);
  const [renewal] = (await stripe().invoices.list({ subscription: s.subscriptionId, status: "open" })).data;
  expect(await enforcementOf(s.order.id)).toMatchObject({ state: "past_due", warningSentAt: expect.any(Date) });
  mark = await stripeEventMark();
  await customerClock.advanceTo(s, renewal!.next_payment_attempt! + 60);
  await deliverStripeEvents(mark);
  const invoice = await stripe().invoices.retrieve(renewal!.id);
  const subscription = await stripe().subscriptions.retrieve(s.subscriptionId);
  expect(invoice).toMatchObject({ status: outcome.invoice === "uncollectible" ? "uncollectible" : "open", next_payment_attempt: null });
  expect(subscription.status).toBe({ cancel: "canceled", unpaid: "unpaid", past_due: "past_due" }[outcome.subscription]);
  if (outcome.subscription === "cancel") expect(subscription.cancellation_details?.reason).toBe("payment_failed");
  return { s, invoice, since: invoice.status_transitions.finalized_at! };
}

/** The ladder's tick once the suspension is due, and the suspend function it asks for. */
async function suspendAt(s: Awaited<ReturnType<typeof subscribedVm>>, since: number) {
  // The ladder measures time on the customer's clock (issue 16): the clock moves to the suspension.
  await customerClock.advanceTo(s, since + ladderConfig().BILLING_SUSPEND_HOURS * HOUR + 60);
  const tick = await runLadderTick();
  const { id } = await enforcementOf(s.order.id);
  const request = tick.suspend.find((x) => x.enforcementId === id);
  expect(request, "suspension requested").toBeDefined();
  const run = await new InngestTestEngine({
    function: billingSuspendVmFunction,
    events: [{ name: "billing/vm.suspend-requested", data: request } as never],
  }).execute();
  expect(run.error).toBeUndefined();
  expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");
}

const OUTCOMES: Outcome[] = (["cancel", "unpaid", "past_due"] as const).flatMap((subscription) =>
  (["past_due", "uncollectible"] as const).map((invoice) => ({ subscription, invoice })),
);

describe.each(OUTCOMES)("dunning: subscription $subscription, invoice $invoice", (outcome) => {
  it("I6: the owed renewal stays overdue after Stripe's last retry (the overdue story, no cliff); a non-payer is suspended on time and never restored without paying", async () => {
    const { s, since } = await exhaustDunning(outcome);
    // A day after the renewal: still the overdue story's first rung, counted from the renewal.
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "past_due", overdueSince: at(since), endedAt: null, suspendedAt: null });
    await suspendAt(s, since);
    // Stripe re-read (the daily reconcile) and its events again: nothing lifts the suspension.
    await reconcileSubscription(s.subscriptionId);
    const mark = await stripeEventMark();
    await customerClock.advanceTo(s, since + 10 * DAY);
    await deliverStripeEvents(mark);
    await reconcileSubscription(s.subscriptionId);
    expect((await enforcementOf(s.order.id)).state).toMatch(/^(suspended|retained)$/);
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");
  });

  it(
    outcome.subscription === "cancel"
      ? "I7: paying during Stripe's retries restores; paying after Stripe canceled settles the invoice but cannot restore (the subscription is over)"
      : "I7: paying the owed invoice after Stripe's last retry restores at once, the VM started again",
    async () => {
      if (outcome.subscription === "cancel") {
        await setDunning(outcome);
        const early = await subscribedVm();
        await setCard(early.customerId, "4000000000000002");
        let mark = await stripeEventMark();
        const live = await stripe().subscriptions.retrieve(early.subscriptionId);
        await customerClock.advanceTo(early, live.items.data[0]!.current_period_end + 2 * HOUR);
        await deliverStripeEvents(mark);
        const [renewal] = (await stripe().invoices.list({ subscription: early.subscriptionId, status: "open" })).data;
        mark = await stripeEventMark();
        await payInvoiceOnPage(renewal!.id);
        await deliverStripeEvents(mark);
        expect(await enforcementOf(early.order.id)).toMatchObject({ state: "active", overdueSince: null });
      }
      const { s, invoice, since } = await exhaustDunning(outcome);
      await suspendAt(s, since);
      const mark = await stripeEventMark();
      await payInvoiceOnPage(invoice.id);
      await deliverStripeEvents(mark);
      expect(await stripe().invoices.retrieve(invoice.id)).toMatchObject({ status: "paid" });
      if (outcome.subscription === "cancel") {
        // Nothing is owed any more, and nothing pays for the VM from now on: billing ended for non-payment.
        expect(await enforcementOf(s.order.id)).toMatchObject({ endedAt: expect.any(Date) });
        expect((await enforcementOf(s.order.id)).state).toMatch(/^(suspended|retained)$/);
        expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");
      } else {
        expect(await enforcementOf(s.order.id)).toMatchObject({ state: "active", overdueSince: null });
        expect((await getVmStatus("pve1", s.vmid)).status).toBe("running");
      }
    },
  );
});
