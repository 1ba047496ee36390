// `@inngest/test` runs a function in-process with mocked steps: no executor needed. Shown
// here on a sample function so the repo knows it works with inngest@4.
import { describe, expect, it } from "vitest";
import { Inngest } from "inngest";
import { InngestTestEngine } from "@inngest/test";
import { quietLogger } from "./testkit";

const inngest = new Inngest({ id: "sample", isDev: true, logger: quietLogger });

const provision = inngest.createFunction({ id: "provision-sample", triggers: [{ event: "order/paid" }] }, async ({ event, step }) => {
  const vmid = await step.run("reserve vmid", () => 100 + Number(event.data.seq));
  await step.sleep("let the clone settle", "30s");
  const ready = await step.run("start vm", () => ({ vmid, state: "running" }));
  return { orderId: event.data.orderId, ...ready };
});

describe("@inngest/test with inngest@4", () => {
  // One engine per test: 1.0.0 pushes executed steps into the options' `steps` array, which
  // clones share, so a second execute() on the same engine sees the first one's results.
  const engine = () =>
    new InngestTestEngine({
      function: provision,
      events: [{ name: "order/paid", data: { orderId: "o-7", seq: 5 } }],
      // Sleeps and waits are not auto-mocked in 1.0.0: unmocked, the engine asks the SDK to
      // "run" the sleep, which has no body, and it loops on step-not-found.
      steps: [{ id: "let the clone settle", handler: () => null }],
    });

  it("executes the whole function with the sleep mocked", async () => {
    const { result, ctx } = await engine().execute();
    expect(result).toEqual({ orderId: "o-7", vmid: 105, state: "running" });
    expect(ctx.step.sleep).toHaveBeenCalledWith("let the clone settle", "30s");
  });

  it("runs up to one step, and lets another be mocked", async () => {
    const { result } = await engine().executeStep("reserve vmid");
    expect(result).toBe(105);
    const mocked = await engine().execute({
      steps: [
        { id: "let the clone settle", handler: () => null },
        { id: "start vm", handler: () => ({ vmid: 0, state: "mocked" }) },
      ],
    });
    expect(mocked.result).toEqual({ orderId: "o-7", vmid: 0, state: "mocked" });
  });
});
