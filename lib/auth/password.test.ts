import { describe, expect, it } from "vitest";
import { hashPassword, passwordSchema, verifyPassword } from "./password";

describe("password rule", () => {
  it.each([
    ["short1", "Use at least 10 characters."],
    ["password123", "This password is too common; choose another."],
    ["aaaaaaaaaaaa", "Use more than two different characters."],
    ["x".repeat(129), "Use at most 128 characters."],
  ])("rejects %j with a clear message (I10)", (password, message) => {
    const result = passwordSchema.safeParse(password);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });

  it("accepts a long passphrase", () => {
    expect(passwordSchema.safeParse("purple tunnel lab 42").success).toBe(true);
  });
});

describe("password hashing", () => {
  it("stores argon2id hashes that verify only the right password (I9)", async () => {
    const hash = await hashPassword("purple tunnel lab 42");
    expect(hash.startsWith("$argon2id$")).toBe(true);
    expect(hash).not.toContain("purple");
    expect(await verifyPassword(hash, "purple tunnel lab 42")).toBe(true);
    expect(await verifyPassword(hash, "purple tunnel lab 43")).toBe(false);
  });

  it("treats a malformed stored hash as a failed check, not a crash", async () => {
    expect(await verifyPassword("not-a-hash", "anything")).toBe(false);
  });
});
