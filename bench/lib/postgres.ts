// A throwaway PostgreSQL cluster for benchmarks (PGlite would measure PGlite). Uses Debian's
// server binaries (apt-get install postgresql), or BENCH_DATABASE_URL when given.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";

function run(cmd: string, args: string[], asPostgres: boolean): Promise<void> {
  const [file, argv] = asPostgres ? ["su", ["postgres", "-s", "/bin/sh", "-c", [cmd, ...args].map((a) => `'${a}'`).join(" ")]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv as string[], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed: ${err}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startBenchPostgres(): Promise<{ url: string; close(): Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, close: async () => undefined };
  const root = "/usr/lib/postgresql";
  const version = fs.existsSync(root) ? fs.readdirSync(root).sort().at(-1) : undefined;
  if (!version) throw new Error("PostgreSQL server binaries not found: apt-get install postgresql, or set BENCH_DATABASE_URL");
  const bin = path.join(root, version, "bin");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labvps-bench-pg-"));
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) await run("chown", ["postgres", dir], false);
  const port = await freePort();
  await run(path.join(bin, "initdb"), ["-D", `${dir}/data`, "-A", "trust", "-U", "postgres"], asPostgres);
  await run(
    path.join(bin, "pg_ctl"),
    ["-D", `${dir}/data`, "-l", `${dir}/log`, "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, "start"],
    asPostgres,
  );
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    close: async () => {
      await run(path.join(bin, "pg_ctl"), ["-D", `${dir}/data`, "-m", "immediate", "stop"], asPostgres).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
