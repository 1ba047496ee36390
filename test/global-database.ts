// Global setup of the "db" test project:
//   - one migrated database: with TEST_DATABASE_URL (CI: a throwaway PostgreSQL cluster) a fresh
//     database is created in it and dropped afterwards; without it, an in-memory PGlite;
//   - the local stand-ins (Stripe, Proxmox, Cloudflare, mail, Inngest) on free ports, their state
//     files in a temp directory. Their env (URLs, secrets, pinned certificate) is handed to the
//     test workers, which set it before the app's modules load (test/database-env.ts).
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../lib/db/schema-engine";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { startAllSims } from "@lab-vps/sim";
import { TEST_SUITE_CLOUDFLARE_RATE_LIMIT } from "./fixtures/suite-limits";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string | null;
    simEnv: Record<string, string>;
    /** Base URL of each stand-in, for tests that use its /_sim controls. */
    simUrls: Record<string, string>;
  }
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, name: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}

async function startDatabase(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `labvps_test_${process.pid}_${Date.now()}`;
    const url = await createDatabase(adminUrl, name);
    await applyMigrations(url);
    project.provide("databaseUrl", url);
    project.provide("adminDatabaseUrl", adminUrl);
    return () => dropDatabase(adminUrl, name);
  }
  const embedded = await startEmbeddedPostgres();
  await applyMigrations(embedded.url);
  project.provide("databaseUrl", embedded.url);
  project.provide("adminDatabaseUrl", null);
  return () => embedded.close();
}

async function startSims(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "labvps-sim-"));
  const sims = await startAllSims({
    statusPort: 0,
    stripe: { port: 0, webhookUrl: "" }, // tests call the webhook route handler directly
    // Two nodes, each its own SSH daemon; the database knows pve1 only unless a test adds pve2.
    proxmox: { port: 0, sshPort: 0, stateDir, taskDurationMs: 20, nodes: [{ name: "pve1" }, { name: "pve2" }] },
    // One stand-in serves every test file, hundreds of VMs within minutes: not one operator's
    // account over five. Cloudflare's limit (1,200 calls per 5 minutes) is exercised by
    // lib/access/rate-limit.db.test.ts, which sets it and puts this back.
    cloudflare: { port: 0, rateLimit: TEST_SUITE_CLOUDFLARE_RATE_LIMIT },
    mail: { port: 0 },
    inngest: { port: 0, appUrls: [] }, // receives events; tests run functions with @inngest/test
  });
  project.provide("simEnv", sims.env);
  project.provide("simUrls", Object.fromEntries(sims.sims.map((s) => [s.name, s.handle.url])));
  return async () => {
    await sims.close();
    await fs.rm(stateDir, { recursive: true, force: true });
  };
}

export default async function setup(project: TestProject) {
  const [stopDatabase, stopSims] = await Promise.all([startDatabase(project), startSims(project)]);
  return async () => {
    await Promise.all([stopDatabase(), stopSims()]);
  };
}
