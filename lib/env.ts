// Every environment variable the app reads, validated once at start-up. A bad or missing value
// fails fast with the variable's name instead of surfacing later as an odd runtime error.
import { z } from "zod";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");
const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  // Set by `npm run dev`/the test harness to the embedded PGlite when you do not provide one.
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// URL" }),
  // PGlite serves one query at a time; a pool of 1 per process avoids queueing surprises there.
  DATABASE_POOL_MAX: int(10),
  APP_URL: z.url().default("http://localhost:3000"),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)"),
  // Take the client address from X-Forwarded-For (first hop) only behind a trusted proxy.
  TRUST_PROXY: bool.default(false),
  LOGIN_MAX_FAILURES_PER_EMAIL: int(5),
  LOGIN_MAX_FAILURES_PER_IP: int(20),
  LOGIN_WINDOW_MINUTES: int(15),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(10).optional(),
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Env | undefined;
/** The validated environment; throws naming the bad variable on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
