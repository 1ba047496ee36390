import { afterAll, inject } from "vitest";

Object.assign(process.env, inject("simEnv"));
process.env.DATABASE_URL = inject("databaseUrl");
process.env.DATABASE_POOL_MAX ??= "2";

// Files share one database and run one at a time: each leaves the shared node's capacity as it
// found it. Imported here, not at the top, so lib/env reads the environment set above.
afterAll(async () => {
  const { releaseCapacityLeftBehind } = await import("@/test/fixtures/capacity");
  await releaseCapacityLeftBehind();
});
