// `npm run db:migrate`: applies pending SQL migrations from prisma/migrations to DATABASE_URL,
// offline (schema engine wasm), recording them in _prisma_migrations like `prisma migrate deploy`.
import { applyMigrations } from "../lib/db/schema-engine";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set (npm run dev sets it to the embedded database for you)");
  process.exit(2);
}
const applied = await applyMigrations(url);
console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
