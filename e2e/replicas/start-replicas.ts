// The two-replica run's web server: a fresh database beside E2E_DATABASE_URL's, then
// `scripts/run-local.ts --prod` with LOCAL_REPLICAS=2 (two servers behind a round-robin proxy).
import pg from "pg";
import { replicasDatabaseUrl } from "./replicas-database";

const target = new URL(replicasDatabaseUrl());
const name = target.pathname.slice(1);
const admin = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
await admin.query(`CREATE DATABASE "${name}"`);
await admin.end();

process.env.DATABASE_URL = target.toString();
process.argv.push("--prod");
await import("../../scripts/run-local");
