// Cron the way the real executor reads it: robfig/cron v3 with the fields
// Minute | Hour | Dom | Month | Dow and nothing else (inngest/inngest pkg/inngest/trigger.go,
// CronTrigger.Validate). So: exactly five fields, `*`/`?`, lists, ranges, steps, month and day
// names; day-of-week is 0–6 (no 7) and descriptors such as `@daily` are refused ("parser does
// not accept descriptors"). A `TZ=<zone>` or `CRON_TZ=<zone>` prefix is honoured: the schedule
// is matched against the wall clock of that zone (an unknown zone is refused, as
// time.LoadLocation refuses it). Without a prefix it is UTC, as on Inngest's servers.

const BOUNDS: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];
const NAMES: Array<string[] | undefined> = [
  undefined,
  undefined,
  undefined,
  ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
];

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronError";
  }
}

export interface CronSchedule {
  fields: Set<number>[];
  /** robfig: when both day fields are restricted, either may match. */
  domRestricted: boolean;
  dowRestricted: boolean;
  /** IANA zone from a TZ=/CRON_TZ= prefix; undefined means UTC. */
  timeZone?: string;
}

export function parseCron(expr: string): CronSchedule {
  let text = expr.trim();
  if (!text) throw new CronError("empty spec string");
  let timeZone: string | undefined;
  const tz = /^(?:CRON_)?TZ=(\S*)\s+/.exec(text);
  if (tz) {
    timeZone = tz[1];
    if (!isTimeZone(timeZone)) throw new CronError(`provided bad location ${timeZone}: unknown time zone ${timeZone}`);
    text = text.slice(tz[0].length).trim();
  }
  if (text.startsWith("@")) throw new CronError(`parser does not accept descriptors: ${text}`);
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new CronError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(" ")}]`);
  const fields = parts.map((part, i) => parseField(part, i));
  // robfig marks a field "star" when an item is `*` or `?` with no step above 1.
  const restricted = (part: string) => !part.split(",").some((item) => /^[*?](\/0*1)?$/.test(item));
  return { fields, domRestricted: restricted(parts[2]), dowRestricted: restricted(parts[4]), timeZone };
}

function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseField(part: string, index: number): Set<number> {
  const [min, max] = BOUNDS[index];
  const values = new Set<number>();
  const value = (text: string) => {
    const named = NAMES[index]?.indexOf(text.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + (index === 3 ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n)) throw new CronError(`failed to parse int from ${text}`);
    return n;
  };
  for (const item of part.split(",")) {
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined) throw new CronError(`too many slashes: ${item}`);
    const step = stepText === undefined ? 1 : value(stepText);
    if (step < 1) throw new CronError(`step of range should be a positive number: ${item}`);
    let from: number;
    let to: number;
    if (range === "*" || range === "?") [from, to] = [min, max];
    else if (range.includes("-")) {
      const bounds = range.split("-");
      if (bounds.length !== 2) throw new CronError(`too many hyphens: ${item}`);
      [from, to] = bounds.map(value) as [number, number];
    } else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    if (from < min) throw new CronError(`beginning of range (${from}) below minimum (${min}): ${item}`);
    if (to > max) throw new CronError(`end of range (${to}) above maximum (${max}): ${item}`);
    if (from > to) throw new CronError(`beginning of range (${from}) beyond end of range (${to}): ${item}`);
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Minute, hour, day of month, month (1–12), day of week (0 = Sunday) on the zone's wall clock. */
function wallClock(date: Date, timeZone?: string): number[] {
  if (!timeZone) return [date.getUTCMinutes(), date.getUTCHours(), date.getUTCDate(), date.getUTCMonth() + 1, date.getUTCDay()];
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", minute: "numeric", hour: "numeric", day: "numeric", month: "numeric", weekday: "short" })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return [Number(parts.minute), Number(parts.hour), Number(parts.day), Number(parts.month), WEEKDAYS.indexOf(parts.weekday)];
}

export function cronMatches(expr: string | CronSchedule, date: Date): boolean {
  const s = typeof expr === "string" ? parseCron(expr) : expr;
  const [minute, hour, dom, month, dow] = s.fields;
  const [m, h, d, mo, wd] = wallClock(date, s.timeZone);
  if (!minute.has(m) || !hour.has(h) || !month.has(mo)) return false;
  const domOk = dom.has(d);
  const dowOk = dow.has(wd);
  if (s.domRestricted && s.dowRestricted) return domOk || dowOk;
  return domOk && dowOk;
}
