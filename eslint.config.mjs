// ESLint (flat config): Next's rules for the app, typescript-eslint's for everything, and the layer
// boundaries of DESIGN §4 checked by import/no-restricted-paths (it resolves "@/…" and relative
// imports to files, so an alias cannot slip past it). Formatting is Prettier's job (npm run format).
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const boundary = (target, from, message) => ({ target, from, message });
const isTest = ["**/*.test.ts", "**/*.test.tsx"];

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([
    ".next/**",
    "node_modules/**",
    "**/node_modules/**",
    ".data/**",
    "lib/generated/**",
    "next-env.d.ts",
    "test-results/**",
    "playwright-report/**",
  ]),
  {
    rules: {
      // `_`-prefixed names are deliberately unused (a required parameter, a discarded tuple slot).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Product code: what ships. Tests beside it may reach fixtures; the code itself may not.
    files: ["app/**", "components/**", "lib/**", "inngest/**", "server.ts"],
    ignores: isTest,
    rules: {
      // sim/ is a workspace package too: its name resolves through node_modules, past the path zones.
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@lab-vps/sim", "@lab-vps/sim/*"], message: "product code must not import the stand-ins in sim/" }] },
      ],
      "import/no-restricted-paths": [
        "error",
        {
          zones: [
            // Domain code knows nothing of pages, components or the functions that run its jobs: the
            // jobs client and event definitions live in lib/jobs, so lib/ never needs inngest/.
            boundary("./lib", "./app", "lib/ must not import app/ (routes call domain code, not the reverse)"),
            boundary("./lib", "./components", "lib/ must not import components/ (domain code knows nothing of React)"),
            boundary("./lib", "./inngest", "lib/ must not import inngest/ (functions call domain code; events live in lib/jobs)"),
            boundary("./components", "./app", "components/ must not import app/ (pass actions in as props)"),
            // I2: the UI records intent and sends events; Inngest functions touch Proxmox. The indirect
            // reach (through domain code) is held by test/import-graph.test.ts.
            boundary(["./app", "./components"], "./lib/proxmox", "I2: app/ and components/ must not import lib/proxmox/ (send an event; a function does it)"),
            boundary(
              ["./app", "./components"],
              "./lib/provisioning",
              "I2: app/ and components/ must not import lib/provisioning/ (send an event; a function does it)",
            ),
            boundary("./", "./sim", "product code must not import the stand-ins in sim/"),
            boundary("./", "./test", "product code must not import test fixtures"),
            boundary("./", "./e2e", "product code must not import browser tests"),
            boundary("./", "./bench", "product code must not import benchmarks"),
          ],
        },
      ],
    },
  },
]);
