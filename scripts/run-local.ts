// `npm run dev` (and `npm run start:local` for a production build): runs the app on embedded
// defaults. Whatever is not configured in the environment or .env is provided locally:
//   - no DATABASE_URL        → PGlite with its data in .data/pglite (kept across restarts)
//   - no Stripe/Proxmox/Cloudflare/Resend/Inngest credentials → that service's stand-in (sim/)
//   - no AUTH_SECRET / VM_SECRET_KEY → random ones kept in .data/
// then migrates, seeds, and starts server.ts as a child process. This process hosts PGlite and
// the stand-ins, so it never blocks its event loop (no execSync/spawnSync).
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import nextEnv from "@next/env";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { startLocalServices } from "./local-services";
import { freePort, startRoundRobinProxy } from "./round-robin-proxy";
import { COMPILED_SERVER, PRODUCTION_PROCESS_ENV, TSX_SERVER_FLAGS } from "./server-bundle";

const production = process.argv.includes("--prod");
// The production build runs the compiled server, as `npm start` does; dev compiles server.ts as it goes.
if (production && !fs.existsSync(COMPILED_SERVER)) {
  console.error(`${COMPILED_SERVER} is missing: run \`npm run build\` first.`);
  process.exit(1);
}
nextEnv.loadEnvConfig(process.cwd(), !production);
const dataDir = path.resolve(process.env.LOCAL_DATA_DIR ?? ".data");
const appPort = Number(process.env.PORT ?? 3000);
const started = Date.now();
const closers: (() => Promise<void>)[] = [];

async function ensureDatabase(): Promise<string> {
  if (process.env.DATABASE_URL) {
    console.log(`${"PostgreSQL".padEnd(14)} DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`);
    return process.env.DATABASE_URL;
  }
  const dir = process.env.EMBEDDED_DB_DIR === "memory" ? undefined : path.resolve(process.env.EMBEDDED_DB_DIR ?? path.join(dataDir, "pglite"));
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: Number(process.env.EMBEDDED_DB_PORT ?? 54329) });
  closers.push(() => pg.close());
  // PGlite answers one query at a time: a one-connection pool per process avoids piling up.
  process.env.DATABASE_POOL_MAX ??= "1";
  console.log(`${"PostgreSQL".padEnd(14)} embedded PGlite (${dir ? path.relative(process.cwd(), dir) : "in memory"}) on 127.0.0.1:${pg.port}`);
  return pg.url;
}

async function shutdown(code: number) {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  process.exit(code);
}

const usingPostgres = Boolean(process.env.DATABASE_URL);
const replicaPorts: number[] = [];
process.env.DATABASE_URL = await ensureDatabase();
const services = await startLocalServices({ env: process.env, dataDir, appPort });
closers.push(services.close);
Object.assign(process.env, services.env);

const { prepareDatabase } = await import("../lib/db/prepare-database");
const { applied } = await prepareDatabase(process.env.DATABASE_URL, { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD });
console.log(`migrations: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}; catalogue seeded`);

// LOCAL_REPLICAS=2 (needs a PostgreSQL DATABASE_URL: PGlite serves one connection at a time): the
// production shape on one machine, that many servers behind a round-robin proxy on PORT.
const replicas = Math.max(1, Number(process.env.LOCAL_REPLICAS ?? 1));
if (replicas > 1 && !usingPostgres) {
  console.error("LOCAL_REPLICAS > 1 needs DATABASE_URL (a PostgreSQL server): the embedded PGlite serves one connection at a time.");
  await shutdown(1);
}
// LOCAL_LOG_FILE: the servers' output also goes to this file (the browser tests scan it).
const logFile = process.env.LOCAL_LOG_FILE ? fs.createWriteStream(process.env.LOCAL_LOG_FILE, { flags: "w" }) : null;
const startServer = (env: Record<string, string | undefined>) => {
  const child = spawn(process.execPath, production ? [COMPILED_SERVER] : [...TSX_SERVER_FLAGS, "server.ts"], {
    stdio: logFile ? ["inherit", "pipe", "pipe"] : "inherit",
    // LABVPS_LOCAL_MODE: loopback by default, also for the production build (lib/http/listen-host.ts).
    env: { ...process.env, ...(production ? PRODUCTION_PROCESS_ENV : {}), NODE_ENV: production ? "production" : "development", LABVPS_LOCAL_MODE: "1", ...env },
  });
  if (logFile) {
    child.stdout?.on("data", (chunk: Buffer) => void (process.stdout.write(chunk), logFile.write(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => void (process.stderr.write(chunk), logFile.write(chunk)));
  }
  return child;
};
const children =
  replicas === 1
    ? [startServer({})]
    : await Promise.all(
        Array.from({ length: replicas }, async (_, i) => {
          const port = await freePort();
          replicaPorts.push(port);
          return startServer({ PORT: String(port), HOST: "127.0.0.1", TRUST_PROXY: "1", LABVPS_REPLICA: String(i + 1) });
        }),
      );
if (replicas > 1) {
  const proxy = await startRoundRobinProxy({ port: appPort, host: process.env.HOST ?? "127.0.0.1", upstreams: replicaPorts });
  closers.push(proxy.close);
  console.log(`${replicas} replicas on ports ${replicaPorts.join(", ")} behind a round-robin proxy on ${appPort}`);
}
console.log(`services ready in ${Date.now() - started} ms; starting the ${production ? "production" : "dev"} server${replicas > 1 ? "s" : ""}`);
for (const child of children) child.on("exit", (code) => void shutdownAll(code ?? 0));
function shutdownAll(code: number) {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  void shutdown(code);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    setTimeout(() => void shutdown(0), 5000).unref();
  });
}
