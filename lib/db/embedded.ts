// Embedded PostgreSQL for the local default: PGlite (Postgres compiled to wasm) behind its socket
// server, so the app and every tool connect with an ordinary postgresql:// URL and the code path
// is the same as against a real server. Host it in a process that never blocks its event loop
// (no execSync, no spawnSync): the socket server lives on that loop.
import fs from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export type EmbeddedPostgres = { url: string; port: number; close(): Promise<void> };

export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number; host?: string } = {}): Promise<EmbeddedPostgres> {
  const host = opts.host ?? "127.0.0.1";
  if (opts.dataDir) await fs.mkdir(opts.dataDir, { recursive: true });
  const db = await PGlite.create(opts.dataDir ?? "memory://");
  // PGlite runs one query at a time; the socket server multiplexes a few client connections over
  // it and keeps a transaction on the connection that opened it.
  const server = new PGLiteSocketServer({ db, host, port: opts.port ?? 0, maxConnections: 16 });
  await server.start();
  // getServerConn() is "host:port" once listening (port 0 resolved to the bound one).
  const port = Number(server.getServerConn().split(":").pop());
  return {
    url: `postgresql://postgres:postgres@${host}:${port}/postgres`,
    port,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

/** Runs `work` against a throwaway in-memory database. */
export async function withScratchDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const pg = await startEmbeddedPostgres();
  try {
    return await work(pg.url);
  } finally {
    await pg.close();
  }
}
