import { inject } from "vitest";

Object.assign(process.env, inject("simEnv"));
process.env.DATABASE_URL = inject("databaseUrl");
process.env.DATABASE_POOL_MAX ??= "2";
