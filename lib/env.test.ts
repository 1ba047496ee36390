import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

const valid = { DATABASE_URL: "postgresql://u:p@localhost:5432/db", AUTH_SECRET: "s".repeat(40) };

describe("environment validation", () => {
  it("accepts a minimal valid environment and fills defaults", () => {
    const env = parseEnv(valid);
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.LOGIN_MAX_FAILURES_PER_EMAIL).toBe(5);
    expect(env.TRUST_PROXY).toBe(false);
  });

  it("names the missing or bad variable (I10)", () => {
    expect(() => parseEnv({ ...valid, DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must be a postgresql:\/\/ URL/);
    expect(() => parseEnv({ DATABASE_URL: valid.DATABASE_URL })).toThrow(/AUTH_SECRET/);
    expect(() => parseEnv({ ...valid, AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET: must be at least 32 characters/);
    expect(() => parseEnv({ ...valid, LOGIN_WINDOW_MINUTES: "soon" })).toThrow(/LOGIN_WINDOW_MINUTES/);
  });

  it("does not echo secret values in its error", () => {
    const secret = "super-secret-but-too-short";
    expect(() => parseEnv({ ...valid, AUTH_SECRET: secret })).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }));
  });
});
