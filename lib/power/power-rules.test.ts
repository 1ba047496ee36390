import { expect, it } from "vitest";
import { allowedPowerActions, powerRefusal, powerRequestSchema, powerStatusMessage } from "./power-rules";

it("I10: accepts only the four actions, with a plain error otherwise", () => {
  expect(powerRequestSchema.safeParse({ vmId: "vm1", action: "reboot" }).success).toBe(true);
  const bad = powerRequestSchema.safeParse({ vmId: "vm1", action: "destroy" });
  expect(bad.success).toBe(false);
  expect(bad.error?.issues[0]).toMatchObject({ path: ["action"], message: "Choose start, shut down, hard stop or reboot." });
  expect(powerRequestSchema.safeParse({ vmId: "", action: "start" }).success).toBe(false);
});

it("offers start only when stopped, and the others only when running", () => {
  expect(allowedPowerActions("stopped")).toEqual(["start"]);
  expect(allowedPowerActions("running")).toEqual(["shutdown", "stop", "reboot"]);
  expect(allowedPowerActions("provisioning")).toEqual([]);
  expect(allowedPowerActions("failed")).toEqual([]);
  expect(allowedPowerActions("destroyed")).toEqual([]);
  expect(powerRefusal("running", "start")).toBe("Your VM is already running.");
  expect(powerRefusal("stopped", "reboot")).toMatch(/Start it before you reboot it/);
  expect(powerRefusal("provisioning", "start")).toMatch(/still being set up/);
});

it("I4: words every outcome for the customer from the action alone", () => {
  expect(powerStatusMessage("start", "pending")).toBe("Queued: starting your VM…");
  expect(powerStatusMessage("reboot", "running")).toBe("Rebooting your VM…");
  expect(powerStatusMessage("stop", "done")).toBe("Your VM was stopped.");
  expect(powerStatusMessage("start", "failed")).toMatch(/^We couldn't start your VM\. Please try again/);
  expect(powerStatusMessage("shutdown", "failed")).toMatch(/use Hard stop/);
});
