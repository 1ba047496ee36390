import { describe, expect, it } from "vitest";
import { keysymOf, textToKeystrokes } from "./paste-keys";

describe("paste as keystrokes", () => {
  it("maps ASCII to its keysym, newlines to Return and shifted characters inside Shift", () => {
    expect(textToKeystrokes("ls -A\r\n")).toEqual([
      { keysym: 0x6c, shift: false },
      { keysym: 0x73, shift: false },
      { keysym: 0x20, shift: false },
      { keysym: 0x2d, shift: false },
      { keysym: 0x41, shift: true },
      { keysym: 0xff0d, shift: false },
    ]);
    expect(textToKeystrokes("a|b")[1]).toEqual({ keysym: 0x7c, shift: true });
  });

  it("uses Latin-1 and Unicode keysyms beyond ASCII and skips control characters", () => {
    expect(keysymOf("é")).toBe(0xe9);
    expect(keysymOf("€")).toBe(0x010020ac);
    expect(textToKeystrokes("a\u0007b").map((s) => s.keysym)).toEqual([0x61, 0x62]);
  });
});
