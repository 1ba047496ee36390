import { defineConfig } from "vitest/config";
import path from "node:path";
import { testEnv } from "./test/fixtures/env";

// Three projects: "sim" is the stand-ins' package (sim/vitest.config.ts, their contract tests);
// "unit" runs in parallel (pure logic); "db" runs the
// *.db.test.ts files one at a time against one migrated PostgreSQL (TEST_DATABASE_URL, or an
// in-memory PGlite when it is unset), so counts and pages are not disturbed by other files.
export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // Tests run server code outside Next: "server-only" is its no-op there, as in Next's server layers.
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: testEnv,
    // next-auth imports "next/server" without an extension, which Node's ESM resolver refuses:
    // let Vite resolve it so tests can call the Auth.js handlers themselves.
    server: { deps: { inline: ["next-auth"] } },
    projects: [
      "sim/vitest.config.ts",
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: ["**/*.db.test.ts", "node_modules/**", ".next/**", "e2e/**", ".data/**", "sim/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "db",
          include: ["**/*.db.test.ts"],
          exclude: ["node_modules/**", ".next/**", "e2e/**", ".data/**", "sim/**", "test/chaos/**", "test/lifetime/**"],
          globalSetup: ["test/global-database.ts"],
          setupFiles: ["test/database-env.ts"],
          fileParallelism: false,
        },
      },
      {
        // The chaos test changes process-wide state while it runs (its own stand-ins' environment,
        // the catalogue's capacity): npm test runs it in a vitest process of its own.
        extends: true,
        test: {
          name: "chaos",
          include: ["test/chaos/chaos.db.test.ts"],
          globalSetup: ["test/global-database.ts"],
          setupFiles: ["test/database-env.ts"],
          fileParallelism: false,
        },
      },
      {
        // The lifetime simulation (issue 16) starts stand-ins of its own and sets their
        // environment, like the chaos test: a vitest process and a fresh database of its own.
        extends: true,
        test: {
          name: "lifetime",
          include: ["test/lifetime/lifetime.db.test.ts"],
          globalSetup: ["test/global-database.ts"],
          setupFiles: ["test/database-env.ts"],
          fileParallelism: false,
        },
      },
    ],
  },
});
