// One migrated database for the "db" test project. With TEST_DATABASE_URL (CI: a throwaway
// PostgreSQL cluster) a fresh database is created in it and dropped afterwards; without it, an
// in-memory PGlite is served on a local port.
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../lib/db/schema-engine";
import { startEmbeddedPostgres } from "../lib/db/embedded";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string | null;
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

export default async function setup(project: TestProject) {
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
