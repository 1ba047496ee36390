// The one Prisma client. Password hashes are omitted from every read unless a query asks for
// them explicitly (`omit: { passwordHash: false }`), so they cannot leak into a page by accident;
// the same for the sealed two-factor secrets.
import "server-only";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { errorFields, log } from "@/lib/observability/log";

function createPrisma(pool: pg.Pool) {
  // disposeExternalPool: `db.$disconnect()` still closes the connections (scripts end with it).
  return new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    omit: { user: { passwordHash: true, totpSecret: true, totpPendingSecret: true } },
  });
}

export type Db = ReturnType<typeof createPrisma>;
// One pool and client per process, kept across Next's dev hot reloads (each would open a new pool).
const globalForDb = globalThis as unknown as { labVpsDb?: Db; labVpsPool?: pg.Pool };

/**
 * The connection pool under the Prisma client, for the one hot path that skips Prisma: the Stripe
 * webhook's INSERT (lib/billing/receive-stripe-event.ts), where Prisma's per-query work measured
 * about 0.2 ms of CPU on top of pg's (bench/webhook). Same pool, same connection limit.
 */
export function sqlPool(): pg.Pool {
  // After `db.$disconnect()` ended it, the next use starts a fresh pool and client.
  if (!globalForDb.labVpsPool || globalForDb.labVpsPool.ended) {
    const { DATABASE_URL, DATABASE_POOL_MAX } = env();
    globalForDb.labVpsPool = new pg.Pool({ connectionString: DATABASE_URL, max: DATABASE_POOL_MAX });
    // An idle connection dropped by the server (a restart) is an 'error' event; unheard, it would
    // end the process. The pool replaces the connection; the next query just reconnects.
    globalForDb.labVpsPool.on("error", (error) => log("db").warn(errorFields(error), "idle connection closed"));
    globalForDb.labVpsDb = undefined;
  }
  return globalForDb.labVpsPool;
}

function instance(): Db {
  const pool = sqlPool();
  globalForDb.labVpsDb ??= createPrisma(pool);
  return globalForDb.labVpsDb;
}

// Created on first use, not at import: `next build` imports pages without a database.
export const db: Db = new Proxy({} as Db, {
  get(_target, property) {
    const client = instance();
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});
