import { expect, it } from "vitest";
import { canTransitionVm } from "./vm-state";

it("a destroyed VM never comes back, and only a provisioned VM runs", () => {
  expect(canTransitionVm("destroyed", "running")).toBe(false);
  expect(canTransitionVm("destroyed", "provisioning")).toBe(false);
  expect(canTransitionVm("provisioning", "running")).toBe(true);
  expect(canTransitionVm("failed", "running")).toBe(false);
  expect(canTransitionVm("running", "stopped")).toBe(true);
  expect(canTransitionVm("stopped", "running")).toBe(true);
});
