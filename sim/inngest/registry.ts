// Apps and functions as the SDK describes them in `POST /fn/register` (InngestFunction.getConfig).
import { parseCron, type CronSchedule } from "./cron";
import { matches } from "./expr";
import { DEFAULT_RETRIES, type InngestEvent } from "./protocol";

export interface ConcurrencyRule {
  limit: number;
  key?: string;
  scope: "fn" | "env" | "account";
}

export interface CancelRule {
  event: string;
  if?: string;
  timeout?: string;
}

export interface FunctionDef {
  id: string;
  name: string;
  appName: string;
  appUrl: string;
  /** The step URL the SDK registered (`<serve url>?fnId=<id>&stepId=step`). */
  url: string;
  eventTriggers: Array<{ event: string; expression?: string }>;
  crons: Array<{ cron: string; schedule?: CronSchedule; error?: string }>;
  /** Retries after the first attempt; total attempts = retries + 1. */
  retries: number;
  concurrency: ConcurrencyRule[];
  cancel: CancelRule[];
  idempotency?: string;
  singleton?: { key?: string; mode: "skip" | "cancel" };
  timeouts?: { start?: string; finish?: string };
  /** Options the SDK registered that this sim does not enforce (shown on the page). */
  ignored: string[];
  raw: Record<string, unknown>;
}

export interface AppRecord {
  appName: string;
  url: string;
  sdk?: string;
  framework?: string;
  syncedAt: number;
  functionIds: string[];
}

// The SDK's registration body is loosely typed JSON; fields are checked where they are read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawFunction = Record<string, any>;

const UNSUPPORTED = ["batchEvents", "rateLimit", "throttle", "debounce", "priority"];

export class Registry {
  readonly apps = new Map<string, AppRecord>();
  readonly functions = new Map<string, FunctionDef>();

  /** Replaces everything the app registered before; returns whether anything changed. */
  register(body: RawFunction): { modified: boolean; app: AppRecord } {
    const appName = String(body.appName ?? body.app_id ?? "app");
    const url = String(body.url ?? "");
    const previous = this.apps.get(appName);
    const before = previous?.functionIds.map((id) => JSON.stringify(this.functions.get(id)?.raw)).join("\n");
    for (const id of previous?.functionIds ?? []) this.functions.delete(id);
    const fns = (Array.isArray(body.functions) ? body.functions : []).map((raw: RawFunction) => toFunctionDef(raw, appName, url));
    for (const fn of fns) this.functions.set(fn.id, fn);
    const app: AppRecord = {
      appName,
      url,
      sdk: body.sdk,
      framework: body.framework,
      syncedAt: Date.now(),
      functionIds: fns.map((f: FunctionDef) => f.id),
    };
    this.apps.set(appName, app);
    const after = app.functionIds.map((id) => JSON.stringify(this.functions.get(id)?.raw)).join("\n");
    return { modified: before !== after, app };
  }

  get(id: string): FunctionDef | undefined {
    return this.functions.get(id);
  }

  /** Functions an event triggers: name (with `*` wildcards) and the trigger's `expression`. */
  triggeredBy(event: InngestEvent): FunctionDef[] {
    return [...this.functions.values()].filter((fn) => fn.eventTriggers.some((t) => nameMatches(t.event, event.name) && matches(t.expression, { event })));
  }

  withCrons(): FunctionDef[] {
    return [...this.functions.values()].filter((fn) => fn.crons.length > 0);
  }
}

export function nameMatches(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(name);
}

function toFunctionDef(raw: RawFunction, appName: string, appUrl: string): FunctionDef {
  const step = Object.values(raw.steps ?? {})[0] as RawFunction | undefined;
  const triggers: RawFunction[] = Array.isArray(raw.triggers) ? raw.triggers : [];
  const attempts = step?.retries?.attempts;
  const concurrency = raw.concurrency === undefined ? [] : Array.isArray(raw.concurrency) ? raw.concurrency : [raw.concurrency];
  return {
    id: String(raw.id),
    name: String(raw.name ?? raw.id),
    appName,
    appUrl,
    url: String(step?.runtime?.url ?? appUrl),
    eventTriggers: triggers.filter((t) => typeof t.event === "string").map((t) => ({ event: t.event, expression: t.expression })),
    crons: triggers
      .filter((t) => typeof t.cron === "string")
      .map((t) => {
        try {
          return { cron: t.cron, schedule: parseCron(t.cron) };
        } catch (err) {
          return { cron: t.cron, error: (err as Error).message };
        }
      }),
    retries: typeof attempts === "number" ? attempts : DEFAULT_RETRIES,
    concurrency: concurrency
      .map((c: number | RawFunction) =>
        typeof c === "number" ? { limit: c, scope: "fn" as const } : { limit: Number(c.limit), key: c.key, scope: c.scope ?? "fn" },
      )
      .filter((c: ConcurrencyRule) => c.limit > 0),
    cancel: Array.isArray(raw.cancel) ? raw.cancel : [],
    idempotency: raw.idempotency,
    singleton: raw.singleton,
    timeouts: raw.timeouts,
    ignored: UNSUPPORTED.filter((k) => raw[k] !== undefined),
    raw,
  };
}
