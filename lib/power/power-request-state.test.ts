import { describe, expect, it } from "vitest";
import { canTransitionPowerRequest } from "./power-request-state";

describe("power request state machine", () => {
  it("I3: a request is claimed once and closed once; a closed one never reopens", () => {
    expect(canTransitionPowerRequest("pending", "running")).toBe(true);
    expect(canTransitionPowerRequest("running", "done")).toBe(true);
    expect(canTransitionPowerRequest("running", "failed")).toBe(true);
    expect(canTransitionPowerRequest("pending", "failed")).toBe(true);
    expect(canTransitionPowerRequest("pending", "done")).toBe(false); // done only after a run did the work
    for (const closed of ["done", "failed"] as const)
      for (const to of ["pending", "running", "done", "failed"] as const) expect(canTransitionPowerRequest(closed, to)).toBe(false);
  });
});
