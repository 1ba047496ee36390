import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import { registerUser, signUpSchema } from "./register-user";
import { unique } from "@/test/fixtures/unique";

describe("registerUser", () => {
  it("stores the email lower-cased and an argon2id hash that reads omit by default (I9)", async () => {
    const email = `Ada.${unique()}@Example.COM`;
    const input = signUpSchema.parse({ name: "Ada", email, password: "purple tunnel lab 42" });
    const user = await registerUser(input);
    expect(user.email).toBe(email.toLowerCase());
    expect(user).not.toHaveProperty("passwordHash");
    const read = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(read).not.toHaveProperty("passwordHash");
    const withHash = await db.user.findUniqueOrThrow({ where: { id: user.id }, omit: { passwordHash: false } });
    expect(withHash.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("I10: a duplicate email in another letter case is a field error and creates nothing", async () => {
    const email = `grace.${unique()}@example.com`;
    await registerUser(signUpSchema.parse({ name: "Grace", email, password: "purple tunnel lab 42" }));
    const before = await db.user.count();
    const again = signUpSchema.parse({ name: "Grace 2", email: email.toUpperCase(), password: "another fine phrase" });
    const error = await registerUser(again).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FieldError);
    expect(error).toMatchObject({ field: "email", message: "An account with this email already exists. Sign in instead." });
    expect(await db.user.count()).toBe(before);
  });

  it("the database refuses a mixed-case email from a writer that skips normalisation", async () => {
    await expect(db.user.create({ data: { name: "X", email: `Mixed.${unique()}@example.com`, passwordHash: "x" } })).rejects.toThrow();
  });

  it("I10: the sign-up schema reports each bad field", () => {
    const result = signUpSchema.safeParse({ name: " ", email: "not-an-email", password: "short" });
    expect(result.success).toBe(false);
    const fields = result.error!.issues.map((i) => i.path.join("."));
    expect(fields).toEqual(expect.arrayContaining(["name", "email", "password"]));
  });
});
