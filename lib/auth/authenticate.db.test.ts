import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { authenticate } from "./authenticate";
import { registerUser, signUpSchema } from "./register-user";
import { unique } from "@/test/fixtures/unique";

const password = "purple tunnel lab 42";

async function newUser() {
  const email = `user.${unique()}@example.com`;
  await registerUser(signUpSchema.parse({ name: "Test", email, password }));
  return email;
}

describe("authenticate", () => {
  it("signs in with the right password, whatever the email's letter case", async () => {
    const email = await newUser();
    const result = await authenticate({ email: email.toUpperCase(), password }, `10.0.0.${Math.floor(Math.random() * 200)}`);
    expect(result).toMatchObject({ ok: true, user: { email, role: "customer" } });
  });

  it("answers an unknown email exactly like a wrong password (no account enumeration)", async () => {
    const email = await newUser();
    const wrong = await authenticate({ email, password: "not the password" }, "10.1.0.1");
    const unknown = await authenticate({ email: `nobody.${unique()}@example.com`, password }, "10.1.0.2");
    expect(wrong).toEqual({ ok: false, reason: "invalid" });
    expect(unknown).toEqual(wrong);
  });

  it("rate-limits an email after 5 failures from any address, even for the right password", async () => {
    const email = await newUser();
    for (let i = 0; i < 5; i++) {
      expect(await authenticate({ email, password: "wrong password" }, `10.2.${i}.1`)).toEqual({ ok: false, reason: "invalid" });
    }
    const blocked = await authenticate({ email, password }, "10.2.9.9");
    expect(blocked).toEqual({ ok: false, reason: "rate_limited", retryAfterMinutes: 15 });
  });

  it("rate-limits an address after 20 failures across different emails", async () => {
    const ip = `10.3.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 20; i++) await authenticate({ email: `spray.${i}.${unique()}@example.com`, password: "guess" }, ip);
    const email = await newUser();
    expect(await authenticate({ email, password }, ip)).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(await authenticate({ email, password }, "10.3.255.254")).toMatchObject({ ok: true });
  });

  it("forgets failures once they leave the window", async () => {
    const email = await newUser();
    const old = new Date(Date.now() - 16 * 60_000);
    await db.loginAttempt.createMany({ data: Array.from({ length: 5 }, () => ({ email, ip: "10.4.0.1", success: false, createdAt: old })) });
    expect(await authenticate({ email, password }, "10.4.0.2")).toMatchObject({ ok: true });
  });

  it("I10: malformed input is an ordinary failure, not an exception", async () => {
    expect(await authenticate({ email: ["x"], password: 42 }, "10.5.0.1")).toEqual({ ok: false, reason: "invalid" });
  });
});
