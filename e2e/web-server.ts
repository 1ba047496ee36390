// What both Playwright configurations give their server (`scripts/run-local.ts --prod` on the
// ports of ./ports.ts) and their browser. playwright.config.ts: one server; playwright.replicas.config.ts:
// two replicas behind a round-robin proxy, on ports and a data directory of their own.
import fs from "node:fs";
import { e2eDataDir, e2ePorts, type E2ePorts } from "./ports";
import { findSystemChromium, SYSTEM_CHROMIUM_CANDIDATES } from "../scripts/choose-browser";

export const baseURL = `http://localhost:${e2ePorts.app}`;

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
export const chromiumLaunch = { executablePath: chromiumPath, args: CHROMIUM_ARGS };

/** The server's environment; `at` moves it to other ports and data (the "tax" project's server). */
export function webServerEnv(
  databaseUrl: string | undefined,
  at: { ports: E2ePorts; dataDir: string } = { ports: e2ePorts, dataDir: e2eDataDir },
): Record<string, string> {
  const { ports, dataDir } = at;
  return {
    PORT: String(ports.app),
    LOCAL_DATA_DIR: dataDir,
    EMBEDDED_DB_DIR: "memory",
    EMBEDDED_DB_PORT: String(ports.db),
    SIM_PORT: String(ports.simStatus),
    STRIPE_SIM_PORT: String(ports.stripe),
    PROXMOX_SIM_PORT: String(ports.proxmox),
    PROXMOX_SIM_SSH_PORT: String(ports.proxmoxSsh),
    PROXMOX_SIM_TASK_MS: "300",
    // Two nodes, each its own SSH daemon (pve2 on the next port); the two-nodes spec adds pve2.
    PROXMOX_SIM_NODES: "pve1,pve2",
    CLOUDFLARE_SIM_PORT: String(ports.cloudflare),
    MAIL_SIM_PORT: String(ports.mail),
    INNGEST_SIM_PORT: String(ports.inngest),
    // Inngest's own timing ÷ 100: its retry table (15 s, 30 s, 1 m, …) and every step.sleep, so a
    // retried step takes 0.15 s, not 15 s, and every ratio stays as on Inngest.
    INNGEST_SIM_TIME_SCALE: "0.01",
    SIM_STATE_DIR: `${dataDir}/sim`,
    // A guest that never reports in fails after this (lab.spec.ts); the stand-in's guests boot in half a second.
    GUEST_READY_TIMEOUT_SECONDS: "15",
    APP_URL: `http://localhost:${ports.app}`,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ADMIN_EMAIL: "admin@lab.test",
    ADMIN_PASSWORD: "operator pass phrase",
    // Every browser test signs in from 127.0.0.1: the per-address limit (lib/auth/authenticate.db.test.ts
    // proves it) would otherwise add up the wrong passwords and codes of unrelated tests.
    LOGIN_MAX_FAILURES_PER_IP: "1000",
  };
}
