// Browser tests against a production build (`npm run build` first; `npm test` does it).
// The server runs on its embedded defaults unless E2E_DATABASE_URL names a PostgreSQL database.
// (The two-replica run has its own configuration: playwright.replicas.config.ts.)
import { defineConfig, devices } from "@playwright/test";
import { baseURL, chromiumLaunch, webServerEnv } from "./e2e/web-server";

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      // renewals.spec.ts moves the Stripe stand-in's clock by a month: it runs after everything else.
      // (e2e/replicas/ belongs to playwright.replicas.config.ts.)
      testIgnore: [/renewals\.spec\.ts$/, /\/replicas\//],
      use: { ...devices["Desktop Chrome"], launchOptions: chromiumLaunch },
    },
    {
      name: "renewals",
      testMatch: /renewals\.spec\.ts$/,
      dependencies: ["chromium"],
      use: { ...devices["Desktop Chrome"], launchOptions: chromiumLaunch },
    },
  ],
  webServer: {
    command: "npx tsx scripts/run-local.ts --prod",
    url: `${baseURL}/api/health`,
    timeout: 120_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    env: webServerEnv(process.env.E2E_DATABASE_URL),
  },
});
