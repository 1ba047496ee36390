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
