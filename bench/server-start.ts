// bench/server-start: the production server's start-to-ready time and idle memory (issue 22,
// Build 5). For each way of running it, starts it BENCH_RUNS times against one PostgreSQL and the
// stand-ins, and prints: spawn → first 200 from /api/health ("ready"), and the resident memory of
// the server's whole process tree after BENCH_IDLE_SECONDS without traffic (one page and one
// health check first, so the app's route code is loaded). Targets: ≤ 3 s to ready, ≤ 200 MB idle.
//   npm run build && npm run bench:server-start
//   BENCH_MODES=compiled,tsx (default both): `compiled` = what `npm start` runs now (node on the
//   bundle), `tsx` = what it ran before (TypeScript compiled by tsx at every start).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { startAllSims } from "@lab-vps/sim";
import { freePort } from "./lib/app-server";
import { BenchOutcome } from "./lib/outcome";
import { startBenchPostgres } from "./lib/postgres";
import { testEnv } from "../test/fixtures/env";
import { COMPILED_SERVER, PRODUCTION_PROCESS_ENV, TSX_SERVER_FLAGS } from "../scripts/server-bundle";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const modes = (process.env.BENCH_MODES ?? "compiled,tsx").split(",") as Array<"compiled" | "tsx">;
const commands = {
  compiled: [COMPILED_SERVER],
  tsx: [...TSX_SERVER_FLAGS, "server.ts"],
} as const;

/** RSS in kB of a process and all its descendants, from /proc (Linux). */
function treeRssKb(pid: number): number {
  let total = 0;
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    for (const child of children ? children.split(/\s+/) : []) total += treeRssKb(Number(child));
  }
  return total;
}

async function waitReady(origin: string, child: ChildProcess, started: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} (did you run npm run build?)`);
    const ok = await fetch(`${origin}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return performance.now() - started;
    if (performance.now() - started > 60_000) throw new Error("not ready within 60 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const outcome = new BenchOutcome("server-start");
const pg = await startBenchPostgres();
const sims = await startAllSims({
  statusPort: 0,
  stripe: { port: 0, webhookUrl: "" },
  proxmox: { port: 0, sshPort: 0 },
  inngest: { port: 0, appUrls: [] },
  cloudflare: { port: 0 },
  mail: { port: 0 },
});
try {
  process.env.DATABASE_URL = pg.url;
  Object.assign(process.env, { ...testEnv, ...sims.env, NODE_ENV: "production", INNGEST_DEV_IN_PRODUCTION: "1", DATABASE_URL: pg.url });
  const { prepareDatabase } = await import("../lib/db/prepare-database");
  await prepareDatabase(pg.url);
  for (const mode of modes) {
    const ready: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const started = performance.now();
      const child = spawn(process.execPath, [...commands[mode]], {
        // The compiled server with npm start's environment; tsx as `npm start` ran it before.
        env: { ...process.env, ...(mode === "compiled" ? PRODUCTION_PROCESS_ENV : {}), PORT: String(port), HOST: "127.0.0.1", APP_URL: origin },
        stdio: ["ignore", "ignore", "inherit"],
      });
      try {
        ready.push(await waitReady(origin, child, started));
        await fetch(`${origin}/pricing`).then((r) => r.text());
        await new Promise((r) => setTimeout(r, idleSeconds * 1000));
        rss.push(treeRssKb(child.pid!) / 1024);
      } catch (error) {
        outcome.fail(`${mode} run ${i + 1}: ${(error as Error).message}`);
      } finally {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      }
    }
    const fmt = (xs: number[], unit: string, digits: number) => (xs.length ? `${xs.map((x) => x.toFixed(digits)).join(" / ")} ${unit}` : "-");
    console.log(
      `${mode.padEnd(9)} start → ready: ${fmt(
        ready.map((ms) => ms / 1000),
        "s",
        2,
      )}`,
    );
    console.log(`${mode.padEnd(9)} idle RSS after ${idleSeconds} s: ${fmt(rss, "MB", 0)}`);
    if (mode === "compiled") {
      if (ready.some((ms) => ms > 3000)) outcome.fail(`compiled: start → ready over 3 s (${ready.map((ms) => Math.round(ms)).join(", ")} ms)`);
      if (rss.some((mb) => mb > 200)) outcome.fail(`compiled: idle RSS over 200 MB (${rss.map((mb) => Math.round(mb)).join(", ")} MB)`);
    }
  }
} finally {
  await sims.close();
  await pg.close();
}
outcome.finish();
