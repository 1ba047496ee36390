// The order page's status panel rendered to HTML as the server first sends it: what a customer
// reads for a flagged payment and for a refunded order.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { FLAGGED_PAYMENT_MESSAGE, PROVISION_STAGES, toOrderView } from "@/lib/orders/order-view";
import { refundedMessage } from "@/lib/billing/refund-flagged-order";
import { OrderStatusPanel } from "./order-status";

type Row = Parameters<typeof toOrderView>[0];
const row = (over: Partial<Row>): Row => ({
  id: "ord_1",
  status: "awaiting_payment",
  interval: "month",
  amountMinor: 1900,
  currency: "usd",
  hostname: "lab-1",
  progressStep: null,
  customerMessage: null,
  createdAt: new Date("2030-01-02T03:04:05Z"),
  flaggedAt: null,
  plan: { name: "EVE-NG Starter", slug: "eve-starter", labType: "eve" },
  vm: null,
  ...over,
});
const render = (over: Partial<Row>) =>
  renderToStaticMarkup(createElement(OrderStatusPanel, { initial: toOrderView(row(over)), canceled: false, stages: PROVISION_STAGES }));

describe("order status panel", () => {
  it("tells the customer a flagged payment is being checked, instead of 'waiting for Stripe'", () => {
    const html = render({ flaggedAt: new Date() });
    expect(html).toContain("We are checking your payment.");
    expect(html).toContain(FLAGGED_PAYMENT_MESSAGE.slice(0, 40));
    expect(html).not.toContain("Waiting for Stripe");
    expect(render({ status: "expired", flaggedAt: new Date() })).not.toContain("you have not been charged");
  });

  it("says a refunded order was cancelled and how much came back", () => {
    const html = render({ status: "refunded", customerMessage: refundedMessage(1900, "usd") });
    expect(html).toContain("This order was cancelled and refunded.");
    expect(html).toContain("refunded $19.");
    expect(html).toContain('data-status="refunded"');
  });
});
