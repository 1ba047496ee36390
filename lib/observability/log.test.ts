import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { errorFields, log, setLogDestination } from "@/lib/observability/log";
import { withLogContext } from "@/lib/observability/log-context";

function capture(): string[] {
  const lines: string[] = [];
  setLogDestination(
    new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    }),
  );
  return lines;
}

afterEach(() => setLogDestination(null));

describe("the logger", () => {
  it("writes JSON lines with the instance and the request, run or task the line belongs to, across awaits", async () => {
    const lines = capture();
    await withLogContext({ requestId: "req-12345678" }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      await withLogContext({ runId: "01RUN", fn: "lab-vps-provision-vm" }, async () => log("test").warn({ orderId: "ord_1" }, "inside a run"));
      log("test").warn("after the run");
    });
    const [inRun, after] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inRun).toMatchObject({
      level: "warn",
      component: "test",
      requestId: "req-12345678",
      runId: "01RUN",
      fn: "lab-vps-provision-vm",
      orderId: "ord_1",
      msg: "inside a run",
    });
    expect(after).toMatchObject({ requestId: "req-12345678", msg: "after the run" });
    expect(after.runId).toBeUndefined();
    expect(typeof inRun.instance).toBe("string");
  });

  it("I9: censors secret-bearing fields wherever a caller put them", () => {
    const lines = capture();
    log("test").error(
      { password: "hunter2-hunter2", vm: { ticket: "PVEVNC:abc", token: "tok_secret_1" }, headers: { cookie: "authjs.session-token=x" } },
      "oops",
    );
    expect(lines.join("\n")).not.toMatch(/hunter2|PVEVNC|tok_secret_1|session-token/);
    expect(JSON.parse(lines[0])).toMatchObject({ password: "[redacted]", vm: { ticket: "[redacted]", token: "[redacted]" }, headers: "[redacted]" });
  });

  it("logs an error as its name and message, no stack", () => {
    const error = new TypeError("bad thing");
    expect(errorFields(error)).toEqual({ err: { name: "TypeError", message: "bad thing" } });
  });
});
