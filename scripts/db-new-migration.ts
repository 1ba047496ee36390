// Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes the schema
// built by the existing migrations to prisma/schema.prisma (offline `prisma migrate dev --create-only`).
// Usage: npm run db:new-migration -- <name>. Review the SQL before committing it.
import fs from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR, SCHEMA_PATH, diffLatestMigrationToSchema } from "../lib/db/schema-engine";
import { withScratchDatabase } from "../lib/db/embedded";

const name = (process.argv[2] ?? "").replace(/[^a-z0-9_]/gi, "_").toLowerCase();
if (!name) {
  console.error("usage: npm run db:new-migration -- <name>");
  process.exit(2);
}
// The engine needs a connection even for a schema-to-schema diff; an in-memory one will do.
const sql = await withScratchDatabase((url) => diffLatestMigrationToSchema(url));
if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
  console.log("schema.prisma matches the migrations: nothing to write");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await fs.mkdir(dir, { recursive: true });
await fs.writeFile(path.join(dir, "migration.sql"), sql.endsWith("\n") ? sql : sql + "\n");
await fs.copyFile(SCHEMA_PATH, path.join(dir, "schema.prisma"));
console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
