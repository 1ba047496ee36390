import { describe, expect, it } from "vitest";
import { defineStateMachine, TransitionError } from "./state-machine";

type Light = "red" | "green" | "amber";
const light = defineStateMachine<Light>("light", { red: ["green"], green: ["amber"], amber: ["red"] });

describe("defineStateMachine", () => {
  it("allows exactly the listed moves, and a stay only when asked", () => {
    expect(light.can("red", "green")).toBe(true);
    expect(light.can("green", "red")).toBe(false);
    expect(light.can("red", "red")).toBe(false);
    expect(defineStateMachine<Light>("l", { red: [], green: [], amber: [] }, { stay: true }).can("red", "red")).toBe(true);
  });

  it("names the machine and the refused move; checks every source of a list", () => {
    expect(light.sources(["amber"], "red")).toEqual(["amber"]);
    expect(() => light.sources(["amber", "green"], "red")).toThrow(new TransitionError("light", "green", "red"));
    expect(() => light.sources("green", "red")).toThrow(/light cannot go from green to red/);
  });
});
