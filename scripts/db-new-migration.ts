// Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes the committed
// schema (`git show <rev>:prisma/schema.prisma`, HEAD by default) to the working prisma/schema.prisma
// (offline `prisma migrate dev --create-only`). The committed schema is what the migrations add up
// to: lib/db/migrations.db.test.ts fails any commit where they differ, so no per-migration copy of
// the schema is kept.
// Usage: npm run db:new-migration -- <name> [--from <git rev>]. Review the SQL before committing it.
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR, diffSchemaToCurrent } from "../lib/db/schema-engine";
import { withScratchDatabase } from "../lib/db/embedded";

const args = process.argv.slice(2);
const fromAt = args.indexOf("--from");
const rev = fromAt >= 0 ? args[fromAt + 1] : "HEAD";
const name = (args.find((a, i) => !a.startsWith("--") && (fromAt < 0 || i !== fromAt + 1)) ?? "").replace(/[^a-z0-9_]/gi, "_").toLowerCase();
if (!name || !rev) {
  console.error("usage: npm run db:new-migration -- <name> [--from <git rev>]");
  process.exit(2);
}
// Read before the embedded database starts: no blocking child process beside PGlite (DESIGN §7).
let previous: string | null;
try {
  previous = execFileSync("git", ["show", `${rev}:prisma/schema.prisma`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
} catch {
  console.error(`cannot read prisma/schema.prisma at ${rev} (git show failed): pass --from <rev> of the last migrated schema`);
  process.exit(2);
}
// The engine needs a connection even for a schema-to-schema diff; an in-memory one will do.
const sql = await withScratchDatabase((url) => diffSchemaToCurrent(url, previous));
if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
  console.log(`schema.prisma matches ${rev}: nothing to write (committed the schema already? pass --from ${rev}~1)`);
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await fs.mkdir(dir, { recursive: true });
await fs.writeFile(path.join(dir, "migration.sql"), sql.endsWith("\n") ? sql : sql + "\n");
console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
