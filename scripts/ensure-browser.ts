// `npm test`'s first step: provides the Chromium the browser tests run in (see choose-browser.ts
// for the order) and prints its path on stdout for scripts/test.sh, which hands it to
// playwright.config.ts as E2E_CHROMIUM_PATH. Progress goes to stderr. Exits 1, with one line
// saying what to install, when no browser can be provided.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { provideBrowser, SYSTEM_CHROMIUM_CANDIDATES, type BrowserProbe } from "./choose-browser";

const root = path.resolve(import.meta.dirname, "..");

/** Runs a command with its output on stderr (stdout carries the answer); false on failure or timeout. */
function run(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: root, env, stdio: ["ignore", 2, 2], timeout: timeoutMs, killSignal: "SIGKILL" });
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
  });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

function isDebianLike(): boolean {
  if (fs.existsSync("/etc/debian_version")) return true;
  const osRelease = fs.existsSync("/etc/os-release") ? fs.readFileSync("/etc/os-release", "utf8") : "";
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
}

const { chromium } = await import("@playwright/test");
const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
const installTimeoutMs = Number(process.env.BROWSER_INSTALL_TIMEOUT_SECONDS ?? 300) * 1000;

const probe: BrowserProbe = {
  systemCandidates: SYSTEM_CHROMIUM_CANDIDATES,
  exists: (file) => fs.existsSync(file),
  playwrightExecutable: () => chromium.executablePath(),
  installPlaywright: () => run(process.execPath, [path.join(root, "node_modules/@playwright/test/cli.js"), "install", "chromium"], installTimeoutMs),
  isRoot: process.getuid?.() === 0,
  debianLike: isDebianLike(),
  hasAptGet: onPath("apt-get"),
  installDebianChromium: async () => {
    const install = () => run("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], installTimeoutMs, aptEnv);
    // A machine that never ran `apt-get update` has no package lists yet.
    return (await install()) || ((await run("apt-get", ["update", "-q"], installTimeoutMs, aptEnv)) && (await install()));
  },
  log: (line) => console.error(`browser: ${line}`),
};

const choice = await provideBrowser(probe);
if (choice.kind === "missing") {
  console.error(choice.message);
  process.exit(1);
}
probe.log(
  `${choice.kind === "system" ? "system Chromium" : "Playwright's Chromium"}${choice.installed ? " (just installed)" : ""} at ${choice.executablePath}`,
);
console.log(choice.executablePath);
