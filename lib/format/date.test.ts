import { describe, expect, it } from "vitest";
import { formatDay, formatMoment, formatShortMoment, isoDay, isoMinute, isoSecond } from "./date";

const at = new Date("2027-01-12T14:05:33.250Z");

describe("date formats", () => {
  it("say the day and the moment in UTC, in the customer's words", () => {
    expect(formatDay(at)).toBe("12 January 2027");
    expect(formatMoment(at.toISOString())).toBe("12 January 2027, 14:05 UTC");
    expect(formatShortMoment(at)).toBe("12 Jan 2027, 14:05 UTC");
  });

  it("give operator tables the ISO day, minute or second, and a stand-in for no date", () => {
    expect([isoDay(at), isoMinute(at), isoSecond(at.toISOString())]).toEqual(["2027-01-12", "2027-01-12 14:05", "2027-01-12 14:05:33"]);
    expect([isoDay(null), isoMinute(undefined), isoSecond(null, "not yet")]).toEqual(["—", "—", "not yet"]);
  });
});
