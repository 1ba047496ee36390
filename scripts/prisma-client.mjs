// Generates the Prisma client into lib/generated/prisma (git-ignored, so a fresh clone has none).
// Run by `npm install` (postinstall) and in front of every entry script (`dev`, `start`,
// `start:local`, `db:*`, benchmarks): a checkout whose schema changed since the last install, or
// whose lib/generated was deleted, would otherwise die at the first import of lib/db.ts.
// Plain JavaScript run by node itself: it sits in front of `npm run dev` and friends, and tsx's
// start-up would cost every one of them another second or two on a busy machine.
//   node scripts/prisma-client.mjs           generate only when schema.prisma or Prisma changed
//   node scripts/prisma-client.mjs --force   always generate (`npm run db:generate`)
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const schemaFile = path.join(root, "prisma/schema.prisma");
const outputDir = path.join(root, "lib/generated/prisma");
const stampFile = path.join(outputDir, ".schema-sha256");

/** What the generated client depends on: the schema and the generator's version. */
function fingerprint() {
  const prismaVersion = JSON.parse(fs.readFileSync(path.join(root, "node_modules/prisma/package.json"), "utf8")).version;
  return createHash("sha256").update(fs.readFileSync(schemaFile)).update(`\0prisma ${prismaVersion}`).digest("hex");
}

/** @param {string} expected */
function isFresh(expected) {
  if (!fs.existsSync(path.join(outputDir, "client.ts"))) return false;
  return fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8").trim() === expected;
}

/** @returns {Promise<void>} */
function generate() {
  const cli = path.join(root, "node_modules/prisma/build/index.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "generate"], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      // `generate` needs no schema engine, but the CLI looks for one and, where its download is
      // blocked (this project's offline machines), fails; any existing file satisfies the lookup.
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, "package.json") },
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`prisma generate exited with ${code}`))));
  });
}

const expected = fingerprint();
if (process.argv.includes("--force") || !isFresh(expected)) {
  try {
    await generate();
  } catch (error) {
    console.error(`prisma-client: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  fs.writeFileSync(stampFile, `${expected}\n`);
}
