// A date in the customer's words ("12 January 2027"), in UTC as Stripe bills: one format for
// every page and confirmation that names a day.
export function formatDay(date: Date | string): string {
  return new Date(date).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

/** A moment with its time ("12 January 2027, 14:05 UTC"), for history and timelines. */
export function formatMoment(date: Date | string): string {
  const d = new Date(date);
  return `${formatDay(d)}, ${d.toISOString().slice(11, 16)} UTC`;
}

type When = Date | string | null | undefined;
const iso = (date: Date | string) => new Date(date).toISOString();

/** "2027-01-12" (UTC): operator tables and plain records. `missing` stands in for no date. */
export function isoDay(date: When, missing = "—"): string {
  return date ? iso(date).slice(0, 10) : missing;
}

/** "2027-01-12 14:05" (UTC): operator tables and timelines. */
export function isoMinute(date: When, missing = "—"): string {
  return date ? iso(date).slice(0, 16).replace("T", " ") : missing;
}

/** "2027-01-12 14:05:33" (UTC): operator views where the order of close events matters. */
export function isoSecond(date: When, missing = "—"): string {
  return date ? iso(date).slice(0, 19).replace("T", " ") : missing;
}

/** "12 Jan 2027, 14:05 UTC": the lab panels' short moments. */
export function formatShortMoment(date: Date | string): string {
  return new Date(date).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}
