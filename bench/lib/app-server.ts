// Starts the production server (the compiled server.ts, after `npm run build`) on a free port with the given
// environment, and waits until it is ready: /api/health answers and, when the benchmark runs
// functions (`inngestSync`), the Inngest stand-in has synced the app's functions.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { waitForInngestSync } from "./ready";
import { COMPILED_SERVER, PRODUCTION_PROCESS_ENV } from "../../scripts/server-bundle";

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startAppServer(
  env: Record<string, string>,
  fixedPort?: number,
  opts: { inngestSync?: boolean } = {},
): Promise<{ origin: string; child: ChildProcess; close(): Promise<void> }> {
  const port = fixedPort ?? (await freePort());
  const child = spawn(process.execPath, [COMPILED_SERVER], {
    env: { ...process.env, ...PRODUCTION_PROCESS_ENV, ...env, NODE_ENV: "production", INNGEST_DEV_IN_PRODUCTION: "1", PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} (did you run npm run build?)`);
      const ok = await fetch(`${origin}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error("server did not become healthy in 60 s");
      await new Promise((r) => setTimeout(r, 250));
    }
    if (opts.inngestSync) {
      if (!env.INNGEST_DEV) throw new Error("inngestSync needs INNGEST_DEV (the stand-in's URL) in the app's env");
      await waitForInngestSync(env.INNGEST_DEV, `${origin}/api/inngest`);
    }
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    origin,
    child,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
