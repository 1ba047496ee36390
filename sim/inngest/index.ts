// Local stand-in for the Inngest dev server (inngest-cli cannot be installed on these
// machines). The app keeps using the real SDK; only where it points changes:
//   INNGEST_DEV=http://127.0.0.1:8288
import type { Server } from "node:http";
import { closeServer, listen } from "../shared/http";
import { Executor, type IncomingEvent } from "./executor";
import { Registry, type FunctionDef } from "./registry";
import { createInngestServer } from "./server";
import { eventView, isActive, runView, type EventView, type RunView } from "./state";
import { AppSyncer, type AppSyncStatus } from "./sync";

export interface InngestSimOptions {
  /** Default 8288 like `inngest-cli dev`; 0 picks a free port. */
  port: number;
  host: string;
  /** Serve endpoints to sync (PUT) until they answer, like the dev server's `-u`. */
  appUrls: string[];
  /**
   * Multiplies every duration the executor waits: sleeps, waitForEvent/invoke/cancel timeouts,
   * `timeouts.*`, RetryAfter and Inngest's real retry backoff (backoff.ts). 1 is real time;
   * 1/60 runs "an hour in a minute" with every ratio kept.
   */
  timeScale: number;
  /** Most SDK requests in flight at once across all runs. */
  stepConcurrency: number;
  syncIntervalMs: number;
  /** Jitter source for the backoff; tests may pin it (default Math.random). */
  random?: () => number;
  /**
   * Send `ctx.fn_id` so the SDK checkpoints (default true, as the real executor does). False
   * makes every step its own request, the SDK's fallback path.
   */
  checkpointing: boolean;
  /**
   * Production mode (`inngest start` / Inngest Cloud): requests to the app are signed with this
   * key, and registration and checkpoints must carry it hashed as a bearer token. Unset: dev mode.
   */
  signingKey?: string;
  /** With a signing key: the only event key `POST /e/:key` accepts. */
  eventKey?: string;
}

export interface InngestSimHandle {
  name: "inngest";
  url: string;
  port: number;
  /** What the app sets to talk to this stand-in (merged by sim/launch.ts). */
  env: Record<string, string>;
  close(): Promise<void>;
  /** Same as `POST /e/<key>`: returns the event ids. */
  send(events: IncomingEvent | IncomingEvent[]): Promise<string[]>;
  runs(): RunView[];
  run(id: string): RunView | undefined;
  events(): EventView[];
  functions(): FunctionDef[];
  waitForRun(predicate: (run: RunView) => boolean, timeoutMs?: number): Promise<RunView>;
  /** Checkpoint posts the stand-in accepted (`/v1/checkpoint/:run/async`). */
  checkpoints(): number;
  /** Resolves once no run is queued or running (sleeping and waiting runs count as running). */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Starts the function's cron run now, as if its schedule matched. */
  fireCron(fnId: string): RunView;
  /** PUTs the serve URL (added to the list if new), or every known one. */
  sync(url?: string): Promise<AppSyncStatus[]>;
  reset(): void;
}

export function inngestSimOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): InngestSimOptions {
  const num = (value: string | undefined, fallback: number) =>
    value !== undefined && value !== "" && Number.isFinite(Number(value)) ? Number(value) : fallback;
  return {
    port: num(env.INNGEST_SIM_PORT, 8288),
    host: env.INNGEST_SIM_HOST || "127.0.0.1",
    appUrls: (env.INNGEST_SIM_APP_URLS ?? "http://localhost:3000/api/inngest")
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean),
    timeScale: num(env.INNGEST_SIM_TIME_SCALE, 1),
    stepConcurrency: num(env.INNGEST_SIM_STEP_CONCURRENCY, 100),
    syncIntervalMs: num(env.INNGEST_SIM_SYNC_INTERVAL_MS, 2000),
    checkpointing: env.INNGEST_SIM_CHECKPOINTING !== "0",
    signingKey: env.INNGEST_SIM_SIGNING_KEY || undefined,
    eventKey: env.INNGEST_SIM_EVENT_KEY || undefined,
  };
}

export async function startInngestSim(opts: Partial<InngestSimOptions> = {}): Promise<InngestSimHandle> {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const options: InngestSimOptions = { ...inngestSimOptionsFromEnv(), ...given };
  const registry = new Registry();
  const executor = new Executor(registry, options);
  const syncer = new AppSyncer(options.appUrls, options.syncIntervalMs);
  const server: Server = createInngestServer({ executor, registry, syncer, signingKey: options.signingKey, eventKey: options.eventKey });
  const port = await listen(server, options.port, options.host);
  const url = `http://${options.host}:${port}`;
  syncer.start();

  const describe = () =>
    executor
      .views()
      .map((r) => `${r.functionId}:${r.status}`)
      .join(", ") || "no runs";
  const findRun = (predicate: (run: RunView) => boolean) => executor.views().find(predicate);

  return {
    name: "inngest",
    url,
    port,
    // Dev mode: one variable puts the SDK in dev mode and sends registration and events here.
    // Production mode: cloud mode with the keys, and both APIs pointed here.
    env: options.signingKey
      ? { INNGEST_BASE_URL: url, INNGEST_SIGNING_KEY: options.signingKey, INNGEST_EVENT_KEY: options.eventKey ?? "" }
      : { INNGEST_DEV: url },
    async close() {
      syncer.stop();
      executor.close();
      await closeServer(server);
    },
    async send(events) {
      return executor.ingest(Array.isArray(events) ? events : [events]);
    },
    runs: () => executor.views(),
    checkpoints: () => executor.checkpoints,
    run: (id) => {
      const run = executor.runs.get(id);
      return run && runView(run);
    },
    events: () => executor.events.map(eventView),
    functions: () => [...registry.functions.values()],
    waitForRun: (predicate, timeoutMs = 10_000) => executor.waitFor(() => findRun(predicate), timeoutMs, undefined, describe),
    async waitForIdle(timeoutMs = 10_000) {
      await executor.waitFor(() => ![...executor.runs.values()].some(isActive) || undefined, timeoutMs, undefined, describe);
    },
    fireCron(fnId) {
      const run = executor.fireCron(fnId);
      if (!run) throw new Error(`inngest sim: no registered function "${fnId}" with a cron trigger`);
      return runView(run);
    },
    async sync(appUrl) {
      const results = await syncer.sync(appUrl);
      const pathOf = (u: string) => u.split("?")[0];
      return results.map((s) => {
        const rejected = [...registry.apps.values()].find((a) => a.error && pathOf(a.url) === pathOf(s.url));
        return !s.ok && rejected ? { ...s, errors: registry.rejections.get(rejected.appName) } : s;
      });
    },
    reset: () => executor.reset(),
  };
}
