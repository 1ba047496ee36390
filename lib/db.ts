// The one Prisma client. Password hashes are omitted from every read unless a query asks for
// them explicitly (`omit: { passwordHash: false }`), so they cannot leak into a page by accident.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

function createPrisma() {
  const { DATABASE_URL, DATABASE_POOL_MAX } = env();
  const adapter = new PrismaPg({ connectionString: DATABASE_URL, max: DATABASE_POOL_MAX });
  return new PrismaClient({ adapter, omit: { user: { passwordHash: true } } });
}

export type Db = ReturnType<typeof createPrisma>;
// One client per process, kept across Next's dev hot reloads (each would open a new pool).
const globalForDb = globalThis as unknown as { labVpsDb?: Db };

function instance(): Db {
  globalForDb.labVpsDb ??= createPrisma();
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
