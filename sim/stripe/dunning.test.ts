// Contract: dunning as Stripe does it (issue 11 item 10). Renewal invoices are drafts for about an
// hour; hard declines are never retried; an unpaid subscription keeps invoicing without attempts;
// the status follows the latest invoice; the portal honours flow_data payment_method_update.
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { RENEWAL_DRAFT_SECONDS } from "./renewal";
import { clockNow, DAY, type Rig, startRig, subscribe } from "./testkit";

let rig: Rig;
afterEach(() => rig.close());

const post = (path: string, body: object) =>
  fetch(`${rig.sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
/** The customer's test clock to `unix` (+1 s), through the control the inspect page's buttons use. */
const advanceTo = async (clock: string, unix: number) => {
  if (unix + 1 > clockNow(rig, clock)) await post(`/_sim/test_clocks/${clock}/advance`, { frozen_time: unix + 1 });
};
const invoicesOf = async (subscription: string) => (await rig.stripe.invoices.list({ subscription, limit: 100 })).data as Stripe.Invoice[];

describe("dunning fidelity", () => {
  it("a renewal invoice is a draft for an hour, then finalized and charged", async () => {
    rig = await startRig();
    const { subscription, clock } = await subscribe(rig);
    const end = subscription.items.data[0]!.current_period_end;
    await advanceTo(clock, end + 60);
    const [draft] = await invoicesOf(subscription.id);
    expect(draft).toMatchObject({ billing_reason: "subscription_cycle", status: "draft", automatically_finalizes_at: end + RENEWAL_DRAFT_SECONDS });
    await advanceTo(clock, end + RENEWAL_DRAFT_SECONDS);
    expect((await rig.stripe.invoices.retrieve(draft!.id)).status).toBe("paid");
  });

  it("a hard decline (lost card) is not retried: next_payment_attempt stays null", async () => {
    rig = await startRig();
    const { subscription, customer, clock } = await subscribe(rig);
    await post(`/_sim/customers/${customer}/card`, { number: "4000000000009987" });
    await advanceTo(clock, subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    const [renewal] = await invoicesOf(subscription.id);
    expect(renewal).toMatchObject({ status: "open", attempt_count: 1, next_payment_attempt: null });
    await advanceTo(clock, clockNow(rig, clock) + 10 * DAY);
    expect((await rig.stripe.invoices.retrieve(renewal!.id)).attempt_count).toBe(1);
    // A soft decline (insufficient funds) is retried as before.
    const soft = await subscribe(rig, { amount: 900 });
    await post(`/_sim/customers/${soft.customer}/card`, { number: "4000000000009995" });
    await advanceTo(soft.clock, soft.subscription.items.data[0]!.current_period_end + RENEWAL_DRAFT_SECONDS);
    expect((await invoicesOf(soft.subscription.id))[0]!.next_payment_attempt).not.toBeNull();
  });

  it("an unpaid subscription keeps invoicing without attempts; paying the latest invoice reactivates it while an older one stays open", async () => {
    rig = await startRig({ retryScheduleDays: [] });
    const { subscription, customer, clock } = await subscribe(rig);
    await post(`/_sim/customers/${customer}/card`, { number: "4000000000000002" });
    const first = subscription.items.data[0]!.current_period_end;
    await advanceTo(clock, first + RENEWAL_DRAFT_SECONDS);
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("unpaid");
    const next = (await rig.stripe.subscriptions.retrieve(subscription.id)).items.data[0]!.current_period_end;
    await advanceTo(clock, next + RENEWAL_DRAFT_SECONDS);
    const [latest, older] = await invoicesOf(subscription.id);
    expect(latest).toMatchObject({ billing_reason: "subscription_cycle", status: "open", attempt_count: 0, attempted: false });
    expect(older).toMatchObject({ billing_reason: "subscription_cycle", status: "open", attempt_count: 1 });
    await post(`/_sim/invoices/${latest!.id}/pay`, { card: "4242424242424242" });
    expect((await rig.stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
    expect((await rig.stripe.invoices.retrieve(older!.id)).status).toBe("open");
  });

  it("the portal honours flow_data payment_method_update and refuses flows it does not implement", async () => {
    rig = await startRig();
    const { customer } = await subscribe(rig);
    const session = await rig.stripe.billingPortal.sessions.create({
      customer,
      return_url: "http://app.test/billing",
      flow_data: { type: "payment_method_update" },
    });
    expect(session.flow).toMatchObject({ type: "payment_method_update", after_completion: { type: "portal_homepage" } });
    const page = await (await fetch(session.url)).text();
    expect(page).toContain("Update your payment method");
    expect(page).not.toContain("Cancel plan");
    await expect(
      rig.stripe.billingPortal.sessions.create({ customer, flow_data: { type: "subscription_cancel", subscription_cancel: { subscription: "sub_x" } } }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
