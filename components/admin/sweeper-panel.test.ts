// What the operator reads on /admin about the sweeper and the webhook outbox.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { SweeperPanel } from "./sweeper-panel";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("SweeperPanel", () => {
  it("shows the last sweep's findings and actions, recent changes and the outbox backlog", () => {
    const html = renderToStaticMarkup(
      createElement(SweeperPanel, {
        sweeps: [
          {
            at: new Date("2026-12-01T22:00:00Z"),
            sections: { awaitingPayment: { found: 3, outcomes: { paid: 1, expired: 1, unchanged: 1 } }, stalledProvisioning: { found: 0, outcomes: {} } },
          },
        ],
        actions: [{ at: new Date("2026-12-01T22:00:01Z"), action: "order.paid", subject: "order ord_1" }],
        outbox: { waiting: 4, failing: 2, oldestReceivedAt: new Date("2026-12-01T21:59:00Z") },
      }),
    );
    const shown = text(html);
    expect(shown).toContain("Events waiting to be forwarded to Inngest: 4 (2 failing, retried with backoff), oldest received 2026-12-01T21:59:00.000Z");
    expect(shown).toContain("Last sweep 2026-12-01T22:00:00.000Z");
    expect(shown).toContain("Orders awaiting payment: found 3; 1 paid, 1 expired, 1 unchanged");
    expect(shown).toContain("Stalled provisioning: found 0; nothing to do");
    expect(shown).toContain("order.paid order ord_1");
  });

  it("says so when no sweep has run and nothing changed", () => {
    const shown = text(
      renderToStaticMarkup(createElement(SweeperPanel, { sweeps: [], actions: [], outbox: { waiting: 0, failing: 0, oldestReceivedAt: null } })),
    );
    expect(shown).toContain("No sweep has run yet.");
    expect(shown).toContain("Recent sweeper changes None.");
    expect(shown).toContain("Events waiting to be forwarded to Inngest: 0.");
  });
});
