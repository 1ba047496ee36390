import { expect, it } from "vitest";
import { safeReturnPath } from "./return-path";

it.each([
  [undefined, "/dashboard"],
  ["/pricing", "/pricing"],
  ["/dashboard?plan=eve-pro", "/dashboard?plan=eve-pro"],
  ["https://evil.example/x", "/dashboard"],
  ["//evil.example", "/dashboard"],
  ["/\\evil.example", "/dashboard"],
  ["/\t/evil.example", "/dashboard"],
  ["/%0a/evil.example", "/%0a/evil.example"],
  ["/\n/evil.example", "/dashboard"],
])("after sign-in %j leads to %j (no open redirect)", (next, expected) => {
  expect(safeReturnPath(next)).toBe(expected);
});
