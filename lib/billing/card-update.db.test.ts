// A card update fixes billing at once (issue 17, Build 1 and 2; "what the stand-in hides" 1, 2
// and 4), on the strict Stripe stand-in: the customer updates the card through the portal flow
// the product opens, the served functions receive Stripe's events as production does
// (test/fixtures/stripe-delivery.ts), and the overdue renewal is paid now — not at the next retry,
// which Stripe would make on the subscription's own (old) card.
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { createCardUpdateUrl, loadCustomerBilling } from "@/lib/billing-state/customer-billing";
import { runLadderTick } from "@/lib/billing-state/apply-ladder";
import { ladderConfig } from "@/lib/billing-state/ladder";
import { getVmStatus } from "@/lib/proxmox/api";
import { convergeUnprocessedEvents } from "@/lib/billing/sweep-stuck-work";
import { billingSuspendVmFunction } from "@/inngest/functions/billing-suspend-vm";
import { InngestTestEngine } from "@inngest/test";
import { customerClock, enforcementOf, setCard, subscribedVm, setUpBillingTests } from "@/test/fixtures/billing";
import { deliverStripeEvents, stripeEventMark } from "@/test/fixtures/stripe-delivery";

setUpBillingTests();

const HOUR = 3_600;
type Subscribed = Awaited<ReturnType<typeof subscribedVm>>;

/** The renewal of `s` fails on `card` and Stripe's events reach the product: returns the open renewal. */
async function failRenewal(s: Subscribed, card = "4000000000000002") {
  await setCard(s.customerId, card);
  const mark = await stripeEventMark();
  const live = await stripe().subscriptions.retrieve(s.subscriptionId);
  await customerClock.advanceTo(s, live.items.data[0]!.current_period_end + 2 * HOUR);
  await deliverStripeEvents(mark);
  const [invoice] = (await stripe().invoices.list({ subscription: s.subscriptionId, status: "open" })).data;
  expect(invoice).toMatchObject({ billing_reason: "subscription_cycle" });
  expect(await enforcementOf(s.order.id)).toMatchObject({ state: "past_due" });
  return invoice!;
}

const postForm = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });

/** What the customer does on the portal page the product sends them to; Stripe's events then reach the product. */
async function updateCardInPortal(userId: string, card: string) {
  const url = (await createCardUpdateUrl(userId))!;
  const page = await (await fetch(url)).text();
  const mark = await stripeEventMark();
  const response = await postForm(`${url}/card`, { card });
  const delivery = await deliverStripeEvents(mark);
  return { url, page, response, delivery };
}

const billingUrl = () => `${env().APP_URL.replace(/\/$/, "")}/billing`;

describe("a card update fixes billing at once (issue 17)", () => {
  it("I7: a suspended customer updates the card through the product's portal flow: back on /billing, the overdue renewal paid at once, the VM started again; later renewals charge the new card", async () => {
    const s = await subscribedVm();
    const invoice = await failRenewal(s);
    const since = invoice.status_transitions.finalized_at!;
    // The ladder measures time on the customer's clock (issue 16): the clock moves to the suspension.
    await customerClock.advanceTo(s, since + ladderConfig().BILLING_SUSPEND_HOURS * HOUR + 60);
    const tick = await runLadderTick();
    const { id } = await enforcementOf(s.order.id);
    const suspend = tick.suspend.find((x) => x.enforcementId === id)!;
    expect(
      (
        await new InngestTestEngine({
          function: billingSuspendVmFunction,
          events: [{ name: "billing/vm.suspend-requested", data: suspend } as never],
        }).execute()
      ).error,
    ).toBeUndefined();
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");

    const { response } = await updateCardInPortal(s.user.id, "4242 4242 4242 4242");
    expect(await stripe().invoices.retrieve(invoice.id)).toMatchObject({ status: "paid" });
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "active", overdueSince: null });
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("running");
    // The new card is the subscription's own from now on: the next renewal is charged to it.
    const customer = (await stripe().customers.retrieve(s.customerId)) as Stripe.Customer;
    const newCard = customer.invoice_settings.default_payment_method;
    expect(newCard).toMatch(/^pm_/);
    const sub = await stripe().subscriptions.retrieve(s.subscriptionId);
    expect(sub.default_payment_method).toBe(newCard);
    expect(await db.auditEvent.count({ where: { action: "billing.card_update_payment", subjectId: invoice.id } })).toBe(1);
    const mark = await stripeEventMark();
    await customerClock.advanceTo(s, sub.items.data[0]!.current_period_end + 2 * HOUR);
    await deliverStripeEvents(mark);
    const next = (await stripe().invoices.list({ subscription: s.subscriptionId, limit: 1 })).data[0]!;
    expect(next).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", attempt_count: 1 });
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "active" });
    // And the customer landed back on /billing, not on the portal's home.
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(billingUrl());
  });

  it("the portal the product opens is its own configuration (card and invoices only, made once), and its flow offers nothing else", async () => {
    const s = await subscribedVm();
    const first = (await createCardUpdateUrl(s.user.id))!;
    const second = (await createCardUpdateUrl(s.user.id))!;
    const sessionOf = (url: string) => url.split("/").at(-1)!;
    const configurations = (await stripe().billingPortal.configurations.list({ limit: 100 })).data;
    const ours = configurations.filter((c) => c.metadata?.labvps === "card-update");
    expect(ours).toHaveLength(1);
    expect(ours[0]!.features).toMatchObject({
      payment_method_update: { enabled: true },
      invoice_history: { enabled: true },
      subscription_update: { enabled: false },
      subscription_cancel: { enabled: false },
      subscription_pause: { enabled: false },
      customer_update: { enabled: false },
    });
    expect(sessionOf(first)).not.toBe(sessionOf(second));
    const page = await (await fetch(first)).text();
    expect(page).toContain("Update your payment method");
    for (const other of ["Cancel plan", "Update plan", "Update information"]) expect(page).not.toContain(other);
    expect((await postForm(`${first}/cancel`, { subscription: s.subscriptionId })).status).toBe(403);
  });

  it("a new card that declines: the renewal stays overdue, /billing shows Stripe's words, and that card is charged once for that invoice (audited)", async () => {
    const s = await subscribedVm();
    const invoice = await failRenewal(s);
    // 4000 0000 0000 0341 saves fine, then declines every charge.
    const { response } = await updateCardInPortal(s.user.id, "4000000000000341");
    expect(response.status).toBe(303);
    const attempts = (await stripe().invoices.retrieve(invoice.id)).attempt_count;
    expect(await stripe().invoices.retrieve(invoice.id)).toMatchObject({ status: "open" });
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "past_due" });
    const [view] = await loadCustomerBilling(s.user.id);
    expect(view!.invoices.find((i) => i.id === invoice.id)).toMatchObject({ owed: true, paymentProblem: "Your card was declined." });
    expect(await db.auditEvent.findMany({ where: { action: "billing.card_update_payment", subjectId: invoice.id }, select: { data: true } })).toEqual([
      { data: expect.objectContaining({ outcome: "declined", message: "Your card was declined." }) },
    ]);
    // Stripe sends customer.updated for other changes too: the same card is not charged again for it.
    const mark = await stripeEventMark();
    await stripe().customers.update(s.customerId, { name: "Renamed" });
    await deliverStripeEvents(mark);
    expect((await stripe().invoices.retrieve(invoice.id)).attempt_count).toBe(attempts);
  });

  it("I3: a card signal no run finished is converged by the sweeper: the card is put on the subscription and the owed renewal paid", async () => {
    const s = await subscribedVm();
    const invoice = await failRenewal(s);
    const url = (await createCardUpdateUrl(s.user.id))!;
    await postForm(`${url}/card`, { card: "4242424242424242" });
    // Stripe's customer.updated was recorded and forwarded, but its run never finished.
    const event = (await (await fetch(`${env().STRIPE_API_URL}/_sim/events?type=customer.updated`)).json()).data.at(-1);
    await db.stripeEvent.create({ data: { id: event.id, type: event.type, objectId: s.customerId, forwardedAt: new Date(Date.now() - 3_600_000) } });
    const sweep = await convergeUnprocessedEvents({ awaitingPaymentMinutes: 30, provisioningMinutes: 60, unprocessedEventMinutes: 15 });
    expect(sweep.items).toContainEqual({ subject: `customer.updated ${event.id}`, outcome: "card-update: paid" });
    expect(await stripe().invoices.retrieve(invoice.id)).toMatchObject({ status: "paid" });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).default_payment_method).toBe(
      ((await stripe().customers.retrieve(s.customerId)) as Stripe.Customer).invoice_settings.default_payment_method,
    );
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ status: "processed" });
  });

  it("with nothing to charge Stripe does not retry (next_payment_attempt null) and /billing says so; the card added in the portal pays at once", async () => {
    const s = await subscribedVm();
    await stripe().subscriptions.update(s.subscriptionId, { default_payment_method: "" });
    const mark = await stripeEventMark();
    const live = await stripe().subscriptions.retrieve(s.subscriptionId);
    await customerClock.advanceTo(s, live.items.data[0]!.current_period_end + 2 * HOUR);
    await deliverStripeEvents(mark);
    const [invoice] = (await stripe().invoices.list({ subscription: s.subscriptionId, status: "open" })).data;
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", next_payment_attempt: null });
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "past_due" });
    const [view] = await loadCustomerBilling(s.user.id);
    expect(view!.invoices.find((i) => i.id === invoice!.id)).toMatchObject({ owed: true, retryAt: null });

    await updateCardInPortal(s.user.id, "4242424242424242");
    expect(await stripe().invoices.retrieve(invoice!.id)).toMatchObject({ status: "paid" });
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "active" });
  });
});
