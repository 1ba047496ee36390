// Used by the Prisma CLI where its binaries are available (`prisma migrate deploy`, `prisma studio`).
// Offline, `npm run db:migrate` does the same through the schema engine's wasm build.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
