// Browser tests against a production build (`npm run build` first; `npm test` does it).
// The server runs on its embedded defaults unless E2E_DATABASE_URL names a PostgreSQL database.
import { defineConfig, devices } from "@playwright/test";
import fs from "node:fs";
import { e2eDataDir, e2ePorts } from "./e2e/ports";
import { findSystemChromium, SYSTEM_CHROMIUM_CANDIDATES } from "./scripts/choose-browser";

const port = e2ePorts.app;
const baseURL = `http://localhost:${port}`;
// The browser `npm test` provided (scripts/ensure-browser.ts); run directly, Debian's Chromium
// where present, else Playwright's own (Playwright cannot download it on every machine).
const chromiumPath = process.env.E2E_CHROMIUM_PATH || findSystemChromium({ systemCandidates: SYSTEM_CHROMIUM_CANDIDATES, exists: fs.existsSync });

// No background traffic: this machine's network is closed and Chromium would retry.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

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
      testIgnore: /renewals\.spec\.ts$/,
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: chromiumPath,
          args: CHROMIUM_ARGS,
        },
      },
    },
    {
      name: "renewals",
      testMatch: /renewals\.spec\.ts$/,
      dependencies: ["chromium"],
      use: { ...devices["Desktop Chrome"], launchOptions: { executablePath: chromiumPath, args: CHROMIUM_ARGS } },
    },
  ],
  webServer: {
    command: "npx tsx scripts/run-local.ts --prod",
    url: `${baseURL}/api/health`,
    timeout: 120_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    env: {
      PORT: String(port),
      LOCAL_DATA_DIR: e2eDataDir,
      EMBEDDED_DB_DIR: "memory",
      EMBEDDED_DB_PORT: String(e2ePorts.db),
      SIM_PORT: String(e2ePorts.simStatus),
      STRIPE_SIM_PORT: String(e2ePorts.stripe),
      PROXMOX_SIM_PORT: String(e2ePorts.proxmox),
      PROXMOX_SIM_SSH_PORT: String(e2ePorts.proxmoxSsh),
      PROXMOX_SIM_TASK_MS: "300",
      // Two nodes, each its own SSH daemon (pve2 on the next port); the two-nodes spec adds pve2.
      PROXMOX_SIM_NODES: "pve1,pve2",
      CLOUDFLARE_SIM_PORT: String(e2ePorts.cloudflare),
      MAIL_SIM_PORT: String(e2ePorts.mail),
      INNGEST_SIM_PORT: String(e2ePorts.inngest),
      // Inngest's own timing ÷ 100: its retry table (15 s, 30 s, 1 m, …) and every step.sleep, so a
      // retried step takes 0.15 s, not 15 s, and every ratio stays as on Inngest.
      INNGEST_SIM_TIME_SCALE: "0.01",
      SIM_STATE_DIR: `${e2eDataDir}/sim`,
      // A guest that never reports in fails after this (lab.spec.ts); the stand-in's guests boot in half a second.
      GUEST_READY_TIMEOUT_SECONDS: "15",
      APP_URL: baseURL,
      ...(process.env.E2E_DATABASE_URL ? { DATABASE_URL: process.env.E2E_DATABASE_URL } : {}),
      ADMIN_EMAIL: "admin@lab.test",
      ADMIN_PASSWORD: "operator pass phrase",
    },
  },
});
