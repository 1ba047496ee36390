// Apps and functions as the SDK describes them in `POST /fn/register` (InngestFunction.getConfig).
import { parseCron, type CronSchedule } from "./cron";
import { matches } from "./expr";
import { DEFAULT_RETRIES, functionUuid, type InngestEvent } from "./protocol";
import { multiErrorText, validateSync } from "./validate";

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
  /** The executor's own UUID for the function (`ctx.fn_id`). */
  internalId: string;
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
  /** The last sync's rejection (go-multierror text), as the dev server keeps it on the app. */
  error?: string;
}

export type RegisterResult = { ok: true; modified: boolean; app: AppRecord } | { ok: false; errors: string[]; app: AppRecord };

// The SDK's registration body is loosely typed JSON; fields are checked where they are read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawFunction = Record<string, any>;

const UNSUPPORTED = ["batchEvents", "rateLimit", "throttle", "debounce", "priority"];

export class Registry {
  readonly apps = new Map<string, AppRecord>();
  readonly functions = new Map<string, FunctionDef>();
  /** The last refused sync's errors per app. */
  readonly rejections = new Map<string, string[]>();

  /**
   * Replaces everything the app registered before and says whether anything changed, or, when
   * any function is invalid, registers nothing and keeps the errors on the app (validate.ts).
   */
  register(body: RawFunction): RegisterResult {
    const appName = String(body.appName ?? body.app_id ?? "app");
    const url = String(body.url ?? "");
    const previous = this.apps.get(appName);
    const errors = validateSync(Array.isArray(body.functions) ? body.functions : []);
    if (errors.length) {
      const app: AppRecord = previous
        ? { ...previous, error: multiErrorText(errors) }
        : { appName, url, sdk: body.sdk, framework: body.framework, syncedAt: Date.now(), functionIds: [], error: multiErrorText(errors) };
      this.apps.set(appName, app);
      this.rejections.set(appName, errors);
      return { ok: false, errors, app };
    }
    const before = previous?.functionIds.map((id) => JSON.stringify(this.functions.get(id)?.raw)).join("\n");
    for (const id of previous?.functionIds ?? []) this.functions.delete(id);
    const fns = (Array.isArray(body.functions) ? body.functions : []).map((raw: RawFunction) => toFunctionDef(raw, appName, url));
    for (const fn of fns) this.functions.set(fn.id, fn);
    this.rejections.delete(appName);
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
    return { ok: true, modified: before !== after, app };
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

/**
 * Inngest's wildcard rule (pkg/event_trigger_patterns): a `*` only ends a pattern, right after a
 * "/" or "."; it matches the rest of the name. "app/user.*" matches "app/user.created",
 * "app/*" matches "app/user.created"; "app/us*" and "*.created" match nothing.
 */
export function nameMatches(pattern: string, name: string): boolean {
  return matchingPatterns(name).includes(pattern);
}

function matchingPatterns(name: string): string[] {
  const patterns = [name];
  for (const sep of ["/", "."]) {
    const parts = name.split(sep);
    for (let n = 1; n < parts.length; n++) patterns.push(`${parts.slice(0, n).join(sep)}${sep}*`);
  }
  return patterns;
}

function toFunctionDef(raw: RawFunction, appName: string, appUrl: string): FunctionDef {
  const step = Object.values(raw.steps ?? {})[0] as RawFunction | undefined;
  const triggers: RawFunction[] = Array.isArray(raw.triggers) ? raw.triggers : [];
  const attempts = step?.retries?.attempts;
  const concurrency = raw.concurrency === undefined ? [] : Array.isArray(raw.concurrency) ? raw.concurrency : [raw.concurrency];
  return {
    id: String(raw.id),
    internalId: functionUuid(appName, String(raw.id)),
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
