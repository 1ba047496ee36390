// Brings a database to the current schema and catalogue: what `npm run dev`, the test harness and
// a fresh install all need before the app starts.
import { applyMigrations } from "@/lib/db/schema-engine";

export async function prepareDatabase(databaseUrl: string, admin?: { email?: string; password?: string }) {
  const applied = await applyMigrations(databaseUrl);
  // Imported late: lib/db reads the validated environment, which the caller has just completed.
  const [{ db }, { seedCatalog }] = await Promise.all([import("@/lib/db"), import("@/lib/catalog/seed-catalog")]);
  await seedCatalog(db, admin);
  await db.$disconnect();
  return { applied };
}
