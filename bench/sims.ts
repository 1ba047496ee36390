// How fast the five stand-ins start and how much memory they hold at idle (issue 3: "start in
// under 5 s and idle under 150 MB RSS together"). Prints numbers; asserts nothing.
//
//   npx tsx bench/sims.ts                       # in-process + `npm run sim` as a child process
//   node --expose-gc --import tsx bench/sims.ts # same, with a GC before each RSS reading
//   BENCH_IDLE_MS=10000 npx tsx bench/sims.ts   # idle longer (default 5000)
//
// Everything listens on free ports (port 0) with a throwaway state dir, and no stand-in is pointed
// at an app: nothing here touches a running dev server.
//   1. in-process cold: empty state dir, so the Proxmox CA, certificate and SSH keys are
//      generated; includes loading the stand-ins' modules (what `npm run sim` pays on a fresh clone).
//   2. in-process warm: close, start again on the same dir (keys reused, modules cached).
//   3. idle RSS of this process with the stand-ins up, against the RSS before they were loaded.
//   4. `sim/index.ts` (what `npm run sim` runs) as its own process: time to its "all up" line,
//      and its RSS from /proc after the same idle time.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5000);
const root = path.resolve(import.meta.dirname, "..");
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rss(): number {
  gc?.();
  return process.memoryUsage().rss;
}

// Free ports everywhere; no webhook target and no Inngest app to sync, so idle means idle.
function overrides(stateDir: string) {
  return {
    statusPort: 0,
    stripe: { port: 0, webhookUrl: "" },
    proxmox: { port: 0, sshPort: 0, stateDir },
    inngest: { port: 0, appUrls: [] },
    cloudflare: { port: 0 },
    mail: { port: 0 },
  };
}

async function inProcess(stateDir: string) {
  const baseline = rss();
  const t0 = performance.now();
  const { startAllSims } = await import("@lab-vps/sim");
  const first = await startAllSims(overrides(stateDir), {});
  const coldMs = performance.now() - t0;
  const coldEach = first.sims.map((s) => `${s.name} ${s.startMs}`).join(", ");
  await first.close();

  const t1 = performance.now();
  const second = await startAllSims(overrides(stateDir), {});
  const warmMs = performance.now() - t1;
  const warmEach = second.sims.map((s) => `${s.name} ${s.startMs}`).join(", ");
  // The status page answering is part of "up".
  const status = await fetch(`${second.statusUrl}/status.json`);
  if (!status.ok) throw new Error(`status page answered ${status.status}`);

  await sleep(IDLE_MS);
  const idle = rss();
  const heap = process.memoryUsage();
  await second.close();
  return { baseline, coldMs, coldEach, warmMs, warmEach, idle, heapUsed: heap.heapUsed, external: heap.external };
}

/** `sim/index.ts` in its own node process (tsx loader, like `npm run sim`, without npm/npx wrappers). */
async function childProcess(stateDir: string) {
  const env = {
    ...process.env,
    SIM_PORT: "0",
    STRIPE_SIM_PORT: "0",
    PROXMOX_SIM_PORT: "0",
    PROXMOX_SIM_SSH_PORT: "0",
    INNGEST_SIM_PORT: "0",
    CLOUDFLARE_SIM_PORT: "0",
    MAIL_SIM_PORT: "0",
    SIM_STATE_DIR: stateDir,
    STRIPE_SIM_WEBHOOK_URL: "",
    INNGEST_SIM_APP_URLS: "",
    SIM_ONLY: "",
    SIM_SKIP: "",
  };
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "sim/index.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const upLine = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("status"));
      if (line) resolve(line);
    });
    child.once("exit", (code) => reject(new Error(`sim/index.ts exited ${code}: ${err || out}`)));
  });
  const upMs = performance.now() - started;
  await sleep(IDLE_MS);
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  return { upMs, upLine: upLine.trim(), rss: kb * 1024, lines: out.split("\n").filter(Boolean).length };
}

const dirA = mkdtempSync(path.join(os.tmpdir(), "bench-sims-"));
const dirB = mkdtempSync(path.join(os.tmpdir(), "bench-sims-proc-"));
try {
  console.log(
    `node ${process.version}, ${os.cpus().length} cpus, idle ${IDLE_MS} ms, gc ${gc ? "before each RSS reading" : "not exposed (run with --expose-gc)"}`,
  );
  const a = await inProcess(dirA);
  console.log(`in-process start, cold (keys generated, modules loaded): ${a.coldMs.toFixed(0)} ms  [${a.coldEach}]`);
  console.log(`in-process start, warm (same state dir):                 ${a.warmMs.toFixed(0)} ms  [${a.warmEach}]`);
  console.log(
    `in-process RSS: ${mb(a.baseline)} MB before loading the stand-ins, ${mb(a.idle)} MB idle with all five up (+${mb(a.idle - a.baseline)} MB; heap used ${mb(a.heapUsed)} MB, external ${mb(a.external)} MB)`,
  );
  if (process.platform === "linux") {
    const cold = await childProcess(dirB);
    const warm = await childProcess(dirB);
    console.log(`sim/index.ts process, cold: ${cold.upMs.toFixed(0)} ms from spawn to "all up"; it printed: ${cold.upLine}`);
    console.log(`sim/index.ts process, warm: ${warm.upMs.toFixed(0)} ms from spawn to "all up"; idle RSS ${mb(warm.rss)} MB (cold run: ${mb(cold.rss)} MB)`);
  }
} finally {
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
}
