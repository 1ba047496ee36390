// Test plumbing: the stand-in plus a real `serve()` endpoint from `inngest/node`, the way the
// Next.js route serves it in the app.
import { createServer, type Server } from "node:http";
import type { Inngest, InngestFunction } from "inngest";
import { serve } from "inngest/node";
import { closeServer, listen } from "../shared/http";
import { startInngestSim, type InngestSimHandle, type InngestSimOptions } from "./index";

export interface TestApp {
  url: string;
  server: Server;
  close(): Promise<void>;
}

// The SDK logs every step and function error at error level; tests provoke many on purpose.
export const quietLogger = { info() {}, warn() {}, error() {}, debug() {} };

export async function startApp(client: Inngest.Any, functions: InngestFunction.Any[], port = 0): Promise<TestApp> {
  const handler = serve({ client, functions });
  const server = createServer((req, res) => void handler(req, res));
  const bound = await listen(server, port);
  return { url: `http://127.0.0.1:${bound}/api/inngest`, server, close: () => closeServer(server) };
}

export async function startSim(opts: Partial<InngestSimOptions> = {}): Promise<InngestSimHandle> {
  return startInngestSim({ port: 0, appUrls: [], timeScale: 0.01, syncIntervalMs: 50, ...opts });
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, 0);
  await closeServer(probe);
  return port;
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
