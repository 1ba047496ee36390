import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";
import { testEnv } from "@/test/fixtures/env";

const valid: Record<string, string> = { ...testEnv };

describe("environment validation", () => {
  it("accepts a minimal valid environment and fills defaults", () => {
    const env = parseEnv(valid);
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.LOGIN_MAX_FAILURES_PER_EMAIL).toBe(5);
    expect(env.TRUST_PROXY).toBe(false);
  });

  it("names the missing or bad variable (I10)", () => {
    expect(() => parseEnv({ ...valid, DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must be a postgresql:\/\/ URL/);
    expect(() => parseEnv({ ...valid, AUTH_SECRET: undefined })).toThrow(/AUTH_SECRET/);
    expect(() => parseEnv({ ...valid, PROXMOX_API_URL: "http://pve:8006" })).toThrow(/PROXMOX_API_URL: must be https/);
    expect(() => parseEnv({ ...valid, VM_SECRET_KEY: "c2hvcnQ=" })).toThrow(/VM_SECRET_KEY: must be 32 bytes/);
    expect(() => parseEnv({ ...valid, VM_ID_MIN: "5000", VM_ID_MAX: "4000" })).toThrow(/VM_ID_MAX: must be greater/);
    expect(() => parseEnv({ ...valid, INNGEST_DEV: undefined })).toThrow(/INNGEST_SIGNING_KEY/);
    // I1 hardening: dev mode skips Inngest request signatures, never acceptable in production.
    expect(() => parseEnv({ ...valid, NODE_ENV: "production" })).toThrow(/INNGEST_DEV: must not be set in production/);
    expect(parseEnv({ ...valid, NODE_ENV: "production", INNGEST_DEV_IN_PRODUCTION: "1" }).INNGEST_DEV).toBe(valid.INNGEST_DEV);
    expect(
      parseEnv({ ...valid, NODE_ENV: "production", INNGEST_DEV: undefined, INNGEST_SIGNING_KEY: "signkey-prod-x", INNGEST_EVENT_KEY: "evt" }).NODE_ENV,
    ).toBe("production");
    // Cloud mode sends nothing without an event key (the SDK refuses every send).
    expect(() => parseEnv({ ...valid, NODE_ENV: "production", INNGEST_DEV: undefined, INNGEST_SIGNING_KEY: "signkey-prod-x" })).toThrow(/INNGEST_EVENT_KEY/);
    expect(() => parseEnv({ ...valid, AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET: must be at least 32 characters/);
    expect(() => parseEnv({ ...valid, LOGIN_WINDOW_MINUTES: "soon" })).toThrow(/LOGIN_WINDOW_MINUTES/);
  });

  it("does not echo secret values in its error", () => {
    const secret = "super-secret-but-too-short";
    expect(() => parseEnv({ ...valid, AUTH_SECRET: secret })).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }));
  });
});
