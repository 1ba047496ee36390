import { defineConfig } from "vitest/config";

// The stand-ins' own contract tests. The root config runs this file as its "sim" project, so
// `npm test` covers them; `npm test -w @lab-vps/sim` runs them alone.
export default defineConfig({
  test: {
    name: "sim",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
