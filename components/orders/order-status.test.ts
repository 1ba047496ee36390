// The order page's status panel rendered to HTML as the server first sends it: what a customer
// reads for a flagged payment and for a refunded order.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { FLAGGED_PAYMENT_MESSAGE, PROVISION_STAGES, toOrderView } from "@/lib/orders/order-view";
import { refundedMessage } from "@/lib/billing/refund-flagged-order";
import { OrderStatusPanel } from "./order-status";

// Rendered outside Next: the follow hook's router (it refreshes the page when the work ends) is a stub.
vi.mock("next/navigation", async (actual) => ({ ...(await actual<typeof import("next/navigation")>()), useRouter: () => ({ refresh: () => undefined }) }));

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
  kind: "new_vm",
  plan: { name: "EVE-NG Starter", slug: "eve-starter", labType: "eve" },
  vm: null,
  ...over,
});
const noop = async () => ({ status: "idle" as const });
const render = (over: Partial<Row>, canceled = false) =>
  renderToStaticMarkup(
    createElement(OrderStatusPanel, { initial: toOrderView(row(over)), canceled, stages: PROVISION_STAGES, actions: { complete: noop, cancel: noop } }),
  );

describe("order status panel", () => {
  it("tells the customer a flagged payment is being checked, instead of 'waiting for Stripe'", () => {
    const html = render({ flaggedAt: new Date() });
    expect(html).toContain("We are checking your payment.");
    expect(html).toContain(FLAGGED_PAYMENT_MESSAGE.slice(0, 40));
    expect(html).not.toContain("Waiting for Stripe");
    expect(render({ status: "expired", flaggedAt: new Date() })).not.toContain("you have not been charged");
  });

  it("no dead end: a declined or cancelled checkout offers Complete payment and Cancel order", () => {
    for (const html of [render({}), render({}, true), render({ status: "expired" })]) {
      expect(html).toContain("Complete payment");
      expect(html).toContain("Cancel order");
    }
    expect(render({ status: "canceled" })).toContain("This order was cancelled; you have not been charged.");
    expect(render({ status: "canceled" })).not.toContain("Complete payment");
  });

  it("says a refunded order was cancelled and how much came back", () => {
    const html = render({ status: "refunded", customerMessage: refundedMessage(1900, "usd") });
    expect(html).toContain("This order was cancelled and refunded.");
    expect(html).toContain("refunded $19.");
    expect(html).toContain('data-status="refunded"');
  });
});
