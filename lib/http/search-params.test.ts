import { expect, it } from "vitest";
import { z } from "zod";
import { safeReturnPath } from "@/lib/auth/return-path";
import { flagParam, pageParam, parseSearchParams, returnPathParam, searchParam } from "./search-params";

const schema = z.object({
  page: pageParam,
  next: returnPathParam,
  canceled: flagParam,
  status: searchParam(z.enum(["failed", "running"]).optional().catch(undefined)),
});

it("a repeated parameter (an array from Next) counts by its first value, like URLSearchParams.get()", () => {
  expect(parseSearchParams(schema, { page: ["3", "9"], next: ["/dashboard", "//evil.test"], canceled: ["1", "0"], status: ["failed", "x"] })).toEqual({
    page: 3,
    next: "/dashboard",
    canceled: true,
    status: "failed",
  });
});

it.each([
  [{}, { page: 1, next: undefined, canceled: false, status: undefined }],
  [
    { page: "0", next: "//evil.test", canceled: "yes", status: "deleted" },
    { page: 1, next: undefined, canceled: false, status: undefined },
  ],
  [
    { page: "2.5", next: ["https://evil.test", "/ok"], canceled: [], status: [] },
    { page: 1, next: undefined, canceled: false, status: undefined },
  ],
  [
    { page: "12", next: "/orders/abc?x=1", canceled: "1", other: "dropped" },
    { page: 12, next: "/orders/abc?x=1", canceled: true, status: undefined },
  ],
])("%j parses to %j without throwing (unknown keys dropped, bad values are the default)", (raw, expected) => {
  expect(parseSearchParams(schema, raw)).toEqual(expected);
});

it("safeReturnPath survives a non-string (a repeated ?next= arrives as an array)", () => {
  expect(safeReturnPath(["/dashboard", "//evil.test"])).toBe("/dashboard");
  expect(safeReturnPath(42)).toBe("/dashboard");
});
