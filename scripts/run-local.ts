// `npm run dev` (and `npm run start:local` for a production build): runs the app on embedded
// defaults. Whatever is not configured in the environment or .env is provided locally:
//   - no DATABASE_URL → PGlite with its data in .data/pglite (kept across restarts)
//   - no AUTH_SECRET  → a random one kept in .data/auth-secret
// then migrates, seeds, and starts server.ts as a child process. This process hosts PGlite, so
// it never blocks its event loop (no execSync/spawnSync): the database socket lives on it.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import nextEnv from "@next/env";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../lib/db/embedded";

const production = process.argv.includes("--prod");
nextEnv.loadEnvConfig(process.cwd(), !production);
const dataDir = path.resolve(process.env.LOCAL_DATA_DIR ?? ".data");
const started = Date.now();
const closers: (() => Promise<void>)[] = [];

async function ensureDatabase(): Promise<string> {
  if (process.env.DATABASE_URL) {
    console.log(`database: DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`);
    return process.env.DATABASE_URL;
  }
  const dir = process.env.EMBEDDED_DB_DIR === "memory" ? undefined : path.resolve(process.env.EMBEDDED_DB_DIR ?? path.join(dataDir, "pglite"));
  const pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: dir, port: Number(process.env.EMBEDDED_DB_PORT ?? 54329) });
  closers.push(() => pg.close());
  // PGlite answers one query at a time: a one-connection pool per process avoids piling up.
  process.env.DATABASE_POOL_MAX ??= "1";
  console.log(`database: embedded PGlite (${dir ? path.relative(process.cwd(), dir) : "in memory"}) on 127.0.0.1:${pg.port}`);
  return pg.url;
}

async function ensureAuthSecret() {
  if (process.env.AUTH_SECRET) return;
  const file = path.join(dataDir, "auth-secret");
  let secret = await fs.readFile(file, "utf8").catch(() => "");
  if (!secret) {
    secret = randomBytes(32).toString("base64url");
    await fs.mkdir(dataDir, { recursive: true });
    await fs.writeFile(file, secret, { mode: 0o600 });
  }
  process.env.AUTH_SECRET = secret.trim();
}

async function shutdown(code: number) {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  process.exit(code);
}

process.env.DATABASE_URL = await ensureDatabase();
await ensureAuthSecret();
const { prepareDatabase } = await import("../lib/db/prepare-database");
const { applied } = await prepareDatabase(process.env.DATABASE_URL, { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD });
console.log(`migrations: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}; catalogue seeded`);

const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: production ? "production" : "development" },
});
console.log(`services ready in ${Date.now() - started} ms; starting the ${production ? "production" : "dev"} server`);
child.on("exit", (code) => void shutdown(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    child.kill(signal);
    setTimeout(() => void shutdown(0), 5000).unref();
  });
}
