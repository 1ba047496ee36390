import { expect, it } from "vitest";
import { buildCommand } from "./ssh";

it("builds qm commands from safe tokens", () => {
  expect(buildCommand(["qm", "set", 1001, "--cicustom", "user=local:snippets/labvps-1001.yaml"])).toBe(
    "qm set 1001 --cicustom user=local:snippets/labvps-1001.yaml",
  );
});

it.each(["1001; rm -rf /", "$(reboot)", "a b", "`id`", "x|y", "../../etc/passwd", "name\nqm destroy 1", "'quoted'", ""])(
  "refuses the unsafe token %j (no shell injection is possible)",
  (token) => {
    expect(() => buildCommand(["qm", "set", token])).toThrow(/unsafe command token/);
  },
);
