import { describe, expect, it } from "vitest";
import { chatPayload } from "@/lib/alerts/chat-webhook";
import { createBurstCounter } from "@/lib/alerts/signature-bursts";

describe("signature failure bursts", () => {
  it("reports a burst once when the threshold is crossed within the window, and again only after a window without a report", () => {
    let t = 0;
    const counter = createBurstCounter({ windowMs: 1000, threshold: 3, now: () => t });
    const at = (ms: number) => ((t = ms), counter.note());
    expect([at(0), at(100), at(200)]).toEqual([false, false, true]);
    expect([at(300), at(400)]).toEqual([false, false]);
    // Spread out: never 3 within a second.
    expect([at(2000), at(2600), at(3200)]).toEqual([false, false, false]);
    expect([at(3300), at(3400)]).toEqual([true, false]);
  });
});

describe("chat webhook payload", () => {
  it("is read by Slack (text) and Discord (content) alike", () => {
    const payload = chatPayload({
      title: "Cleanup overdue for order o1",
      kind: "provisioning_overdue",
      subject: "o1",
      url: "https://lab.example.com/admin/orders/o1",
    });
    expect(payload.text).toContain("Cleanup overdue for order o1");
    expect(payload.content).toBe(payload.text);
    expect(payload.text).toContain("https://lab.example.com/admin/orders/o1");
  });
});
