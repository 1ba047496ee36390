// Five-field cron (minute hour day-of-month month day-of-week) with `*`, lists, ranges,
// steps and the usual @macros. A `TZ=…`/`CRON_TZ=…` prefix is accepted and ignored: the
// sim evaluates in UTC, which is what Inngest does when no zone is given.

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const BOUNDS: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];
const NAMES: Array<string[] | undefined> = [
  undefined,
  undefined,
  undefined,
  ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
];

export interface CronSchedule {
  fields: Set<number>[];
  /** Vixie cron: when both day fields are restricted, either may match. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

export function parseCron(expr: string): CronSchedule {
  let text = expr.trim().replace(/^(CRON_)?TZ=\S+\s+/, "");
  text = MACROS[text.toLowerCase()] ?? text;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expr}" must have 5 fields`);
  const fields = parts.map((part, i) => parseField(part, i, expr));
  const dow = fields[4];
  if (dow.has(7)) dow.add(0);
  return { fields, domRestricted: parts[2] !== "*", dowRestricted: parts[4] !== "*" };
}

function parseField(part: string, index: number, expr: string): Set<number> {
  const [min, max] = BOUNDS[index];
  const values = new Set<number>();
  const value = (text: string) => {
    const named = NAMES[index]?.indexOf(text.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + (index === 3 ? 1 : 0) : Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`cron "${expr}": bad value "${text}"`);
    return n;
  };
  for (const item of part.split(",")) {
    const [range, stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`cron "${expr}": bad step "${item}"`);
    let from: number;
    let to: number;
    if (range === "*" || range === "?") [from, to] = [min, max];
    else if (range.includes("-")) [from, to] = range.split("-").map(value) as [number, number];
    else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    if (from > to) throw new Error(`cron "${expr}": bad range "${item}"`);
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

export function cronMatches(expr: string | CronSchedule, date: Date): boolean {
  const s = typeof expr === "string" ? parseCron(expr) : expr;
  const [minute, hour, dom, month, dow] = s.fields;
  if (!minute.has(date.getUTCMinutes()) || !hour.has(date.getUTCHours()) || !month.has(date.getUTCMonth() + 1)) return false;
  const domOk = dom.has(date.getUTCDate());
  const dowOk = dow.has(date.getUTCDay());
  if (s.domRestricted && s.dowRestricted) return domOk || dowOk;
  return domOk && dowOk;
}
