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
  /** Multiplies every sleep, waitForEvent/invoke timeout, function timeout and retry backoff. */
  sleepScale: number;
  /** Most SDK requests in flight at once across all runs. */
  stepConcurrency: number;
  syncIntervalMs: number;
  /** First retry waits this long (× 2^attempt, × sleepScale); Inngest's real backoff is minutes. */
  backoffBaseMs: number;
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
    sleepScale: num(env.INNGEST_SIM_SLEEP_SCALE, 1),
    stepConcurrency: num(env.INNGEST_SIM_STEP_CONCURRENCY, 100),
    syncIntervalMs: num(env.INNGEST_SIM_SYNC_INTERVAL_MS, 2000),
    backoffBaseMs: num(env.INNGEST_SIM_BACKOFF_MS, 100),
  };
}

export async function startInngestSim(opts: Partial<InngestSimOptions> = {}): Promise<InngestSimHandle> {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const options: InngestSimOptions = { ...inngestSimOptionsFromEnv(), ...given };
  const registry = new Registry();
  const executor = new Executor(registry, options);
  const syncer = new AppSyncer(options.appUrls, options.syncIntervalMs);
  const server: Server = createInngestServer({ executor, registry, syncer });
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
    // One variable puts the SDK in dev mode and sends registration and events here.
    env: { INNGEST_DEV: url },
    async close() {
      syncer.stop();
      executor.close();
      await closeServer(server);
    },
    async send(events) {
      return executor.ingest(Array.isArray(events) ? events : [events]);
    },
    runs: () => executor.views(),
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
    sync: (appUrl) => syncer.sync(appUrl),
    reset: () => executor.reset(),
  };
}
