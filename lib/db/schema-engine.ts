// Drives Prisma's schema engine through its wasm build. The native schema-engine binary is
// downloaded by the Prisma CLI at install time, which cannot happen offline; the wasm build
// ships inside an npm package and speaks to PostgreSQL through the same pg driver adapter the
// app uses. `prisma migrate deploy` keeps working wherever the binary is available, because
// both read the same prisma/migrations/<ts>_<name>/migration.sql files and `_prisma_migrations`.
import fs from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
// Type-only: importing the package entry at run time would load the .wasm as an ES module.
import type { SchemaEngine } from "@prisma/schema-engine-wasm";

const require = createRequire(import.meta.url);
export const MIGRATIONS_DIR = path.resolve(process.cwd(), "prisma/migrations");
export const SCHEMA_PATH = path.resolve(process.cwd(), "prisma/schema.prisma");
const noFilters = { externalTables: [], externalEnums: [] };

let wasmReady: Promise<void> | undefined;
function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    // The package exports no path to its .wasm, so resolve it beside the package manifest.
    const wasmPath = path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")), "schema_engine_bg.wasm");
    const { instance } = await WebAssembly.instantiate(await fs.readFile(wasmPath), {
      "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports,
    });
    (bg as unknown as { __wbg_set_wasm(exports: WebAssembly.Exports): void }).__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  })();
  return wasmReady;
}

function logEngineLine(line: string) {
  if (line.includes('"level":"ERROR"')) console.error(line);
}

export async function withSchemaEngine<T>(databaseUrl: string, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  await loadWasm();
  const schema = await fs.readFile(SCHEMA_PATH, "utf8");
  // A single connection: PGlite's socket server accepts one client at a time.
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: databaseUrl, max: 1 }));
  // The callback receives the engine's JSON log lines; only errors are worth surfacing.
  const engine = await bg.SchemaEngine.new({ datamodels: [[SCHEMA_PATH, schema]] }, logEngineLine, adapter);
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}

async function listMigrationDirectories() {
  const entries = await fs.readdir(MIGRATIONS_DIR, { withFileTypes: true }).catch(() => []);
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    dirs.map(async (name) => ({
      // The directory name (not a path) is what `prisma migrate deploy` records in _prisma_migrations.
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok" as const, value: await fs.readFile(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") },
      },
    })),
  );
}

async function migrationsList() {
  const lockPath = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  const lockContent = await fs.readFile(lockPath, "utf8").catch(() => 'provider = "postgresql"\n');
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: lockPath, content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories: await listMigrationDirectories(),
  };
}

/** Applies every pending migration; returns the names applied now (none on a second call). */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withSchemaEngine(databaseUrl, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList: await migrationsList(), filters: noFilters });
    return result.appliedMigrationNames;
  });
}

/**
 * SQL that takes `previous` (the schema the existing migrations add up to: the committed
 * prisma/schema.prisma, which lib/db/migrations.db.test.ts holds equal to them at every green
 * commit) to what prisma/schema.prisma describes now: the body of the next migration. The diff is
 * schema-to-schema and needs no shadow database: the wasm engine cannot describe a live database
 * through the pg adapter ("Column type 'char' could not be deserialized").
 */
export async function diffSchemaToCurrent(databaseUrl: string, previous: string | null): Promise<string> {
  return withSchemaEngine(databaseUrl, async (engine) => {
    const schema = await fs.readFile(SCHEMA_PATH, "utf8");
    const result = await engine.diff({
      from: previous ? { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: previous }] } : { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return result.stdout ?? "";
  });
}

/** The SQL that builds prisma/schema.prisma from nothing: what the migrations must add up to. */
export async function schemaScript(databaseUrl: string): Promise<string> {
  return withSchemaEngine(databaseUrl, async (engine) => {
    const schema = await fs.readFile(SCHEMA_PATH, "utf8");
    const result = await engine.diff({
      from: { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return result.stdout ?? "";
  });
}
