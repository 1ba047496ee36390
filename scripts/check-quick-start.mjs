// Proves the README's first command the way a new user meets it (`.ci/run` runs this first, on
// its fresh clone): runs the quick start's first line exactly as written, waits until /pricing
// answers 200 listing every seeded plan, then presses Ctrl-C (SIGINT to the whole process group,
// as a terminal does) and fails unless every process has exited and every port it listened on is
// free again. Plain JavaScript with no dependencies: it runs before `npm install` has.
//   node scripts/check-quick-start.mjs                 the README's command
//   node scripts/check-quick-start.mjs "npm run dev"   another command (to time the dev start alone)
// QUICK_START_TIMEOUT_SECONDS (default 900) bounds the wait for /pricing, install included.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const timeoutMs = Number(process.env.QUICK_START_TIMEOUT_SECONDS ?? 900) * 1000;
const stopTimeoutMs = 30_000;
const pricingUrl = "http://localhost:3000/pricing";
// Outside the checkout: the check also proves that the command leaves `git status` clean.
const logFile = path.join(os.tmpdir(), `labvps-quick-start-${process.pid}.log`);

/** The first command of the README's quick start block, without its trailing comment. */
function readmeFirstCommand(readme) {
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  const line = block?.split("\n").find((l) => l.trim());
  if (!line) throw new Error("README.md has no ```sh block under ## Quick start");
  return line.replace(/\s+#.*$/, "").trim();
}

const fail = (message) => {
  console.error(`quick start: FAILED: ${message}`);
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n") : "";
  if (log) console.error(`--- last lines of ${logFile} ---\n${log}`);
  process.exit(1);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Pids whose process group is `pgid` (Linux /proc). */
function groupMembers(pgid) {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        // Field 5 of /proc/<pid>/stat is the process group; the name (field 2) may hold spaces.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(fields[2]) === pgid && fields[0] !== "Z" ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

/** TCP ports in LISTEN state, with the socket inode of each (Linux /proc/net/tcp{,6}). */
function listeningSockets() {
  const byInode = new Map();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!fs.existsSync(file)) continue;
    for (const row of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] !== "0A") continue; // 0A = LISTEN
      byInode.set(cols[9], parseInt(cols[1].split(":")[1], 16));
    }
  }
  return byInode;
}

/** The ports that processes of the group listen on right now. */
function groupPorts(pgid) {
  const sockets = listeningSockets();
  const ports = new Set();
  for (const pid of groupMembers(pgid)) {
    let fds = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const target = (() => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return "";
        }
      })();
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && sockets.has(inode)) ports.add(sockets.get(inode));
    }
  }
  return ports;
}

async function pricingStatus(expected) {
  try {
    const res = await fetch(pricingUrl, { redirect: "manual", signal: AbortSignal.timeout(120_000) });
    const html = await res.text();
    const missing = expected.filter((name) => !html.includes(name));
    return { status: res.status, missing };
  } catch {
    return { status: 0, missing: expected };
  }
}

/** The seeded plan names, read through tsx once `npm install` has provided it. */
function seededPlanNames() {
  const out = spawnSync(
    process.execPath,
    ["--import", "tsx", "-e", 'const { seedPlans } = await import("./lib/catalog/seed-data.ts"); console.log(JSON.stringify(seedPlans.map((p) => p.name)));'],
    { cwd: root, encoding: "utf8" },
  );
  if (out.status !== 0) fail(`could not read the seeded plans: ${out.stderr.trim()}`);
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

const command = process.argv[2] ?? readmeFirstCommand(fs.readFileSync(path.join(root, "README.md"), "utf8"));
if (process.platform !== "linux") fail("this check reads /proc: run it on Linux");
console.log(`quick start: running \`${command}\` (log: ${logFile}, timeout ${timeoutMs / 1000} s)`);
const log = fs.openSync(logFile, "w");
const started = performance.now();
// detached: its own process group, which receives the Ctrl-C below like a terminal's foreground job.
const child = spawn("bash", ["-c", command], { cwd: root, detached: true, stdio: ["ignore", log, log] });
const pgid = child.pid;
let exited = null;
child.once("exit", (code, signal) => (exited = { code, signal }));

let expected = null;
let ports = new Set();
let last = { status: 0, missing: [] };
for (;;) {
  if (exited) fail(`\`${command}\` exited (${exited.code ?? exited.signal}) before /pricing answered`);
  if (performance.now() - started > timeoutMs) {
    process.kill(-pgid, "SIGKILL");
    fail(
      `/pricing did not answer 200 with the plans within ${timeoutMs / 1000} s (last: HTTP ${last.status}${last.missing.length ? `, missing ${last.missing.join(", ")}` : ""})`,
    );
  }
  // Plan names can be read only once the install has put tsx in place; the app listens after that.
  if (!expected && fs.existsSync(path.join(root, "node_modules/tsx/package.json")) && groupPorts(pgid).has(3000)) {
    console.log(`quick start: the app listens on :3000 after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expected = seededPlanNames();
  }
  if (expected) {
    last = await pricingStatus(expected);
    if (last.status === 200 && last.missing.length === 0) break;
  }
  await sleep(1000);
}
const readyMs = performance.now() - started;
ports = groupPorts(pgid);
console.log(
  `quick start: /pricing answered 200 with ${expected.length} plans after ${(readyMs / 1000).toFixed(1)} s; listening on ${[...ports].sort((a, b) => a - b).join(", ")}`,
);

process.kill(-pgid, "SIGINT");
const stopStarted = performance.now();
while (groupMembers(pgid).length && performance.now() - stopStarted < stopTimeoutMs) await sleep(250);
const left = groupMembers(pgid);
if (left.length) {
  const names = left.map((pid) => {
    try {
      return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim()}`;
    } catch {
      return String(pid);
    }
  });
  process.kill(-pgid, "SIGKILL");
  fail(`${left.length} process(es) still running ${stopTimeoutMs / 1000} s after Ctrl-C:\n  ${names.join("\n  ")}`);
}
const stillListening = new Set(listeningSockets().values());
const leaked = [...ports].filter((p) => stillListening.has(p));
if (leaked.length) fail(`port(s) still taken after Ctrl-C: ${leaked.join(", ")}`);
console.log(
  `quick start: stopped cleanly after Ctrl-C in ${((performance.now() - stopStarted) / 1000).toFixed(1)} s (no process left, ports ${[...ports].length ? "all free" : "none"})`,
);
