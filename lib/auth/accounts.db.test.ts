// Issue 19's integration proof: password reset, email verification and change, two-factor, with
// tokens stored hashed, constant-time comparisons, and no token, code or secret in any log line.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";

const crypto = vi.hoisted(() => ({ timingSafeEqualCalls: 0 }));
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  const timingSafeEqual: typeof actual.timingSafeEqual = (a, b) => {
    crypto.timingSafeEqualCalls++;
    return actual.timingSafeEqual(a, b);
  };
  return { ...actual, default: { ...actual, timingSafeEqual }, timingSafeEqual };
});

import { generate } from "otplib";
import { db } from "@/lib/db";
import { openSecret } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";
import { startSession, findSessionUser } from "@/lib/auth/auth-session";
import { changePassword, changePasswordSchema } from "@/lib/auth/change-password";
import { confirmEmailChange, queueVerificationEmail, requestEmailChange, resendVerificationEmail, verifyEmail } from "@/lib/auth/email-verification";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { requestPasswordReset, resetPassword, RESET_LIMITS } from "@/lib/auth/password-reset";
import { completeTwoFactorChallenge, createTwoFactorChallenge } from "@/lib/auth/sign-in";
import { constantTimeEqual, findLiveToken } from "@/lib/auth/tokens";
import { confirmTwoFactorEnrolment, disableTwoFactor, startTwoFactorEnrolment, verifySecondFactor } from "@/lib/auth/two-factor";
import { tryDeliverEmail } from "@/lib/email/outbox";
import { inngestEvents } from "@/test/fixtures/checkout";
import { unique } from "@/test/fixtures/unique";

const password = "purple tunnel lab 42";
const mail = () => inject("simUrls").mail;
type Message = { subject: string; text: string; html: string; to: string[] };
const inbox = async (to: string) => ((await (await fetch(`${mail()}/_sim/messages?to=${encodeURIComponent(to)}`)).json()) as { messages: Message[] }).messages;
const linkToken = (text: string) => /token=([A-Za-z0-9_-]{40,})/.exec(text)?.[1] ?? null;
const ip = () => `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

async function customer(opts: { verified?: boolean } = {}) {
  const email = `acct.${unique()}@example.com`;
  const user = await db.user.create({
    data: { email, name: "Ada", passwordHash: await hashPassword(password), emailVerified: opts.verified === false ? null : new Date() },
    select: { id: true, email: true, name: true },
  });
  return user;
}
const passwordHashOf = async (id: string) => (await db.user.findUniqueOrThrow({ where: { id }, omit: { passwordHash: false } })).passwordHash;

/** Every line written to the console or stdout/stderr while `work` runs. */
const logged: string[] = [];
beforeEach(() => {
  logged.length = 0;
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a, Object.getOwnPropertyNames(a ?? {})))).join(" "));
      original(...args);
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      logged.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof stream.write);
  }
});
// Every token, code and secret a test sees is added here; after each test none may be in a log line.
const secrets: string[] = [];
const keep = <T extends string | null | undefined>(value: T): T => {
  if (value) secrets.push(value);
  return value;
};
afterEach(() => {
  vi.restoreAllMocks();
  const everything = logged.join("\n");
  const leaked = secrets.filter((secret) => everything.includes(secret));
  secrets.length = 0;
  expect(leaked, "I9: a token, code or secret reached a log line").toEqual([]);
});

describe("password reset", () => {
  it("I9: a single-use 30-minute link, stored hashed; it sets the password, signs every session out, never signs in, and emails 'password changed'", async () => {
    const user = await customer();
    const [a, b] = [await startSession(user.id), await startSession(user.id)];
    const sent = await requestPasswordReset(user.email, ip());
    expect(sent.outcome).toBe("sent");
    expect(await tryDeliverEmail(sent.emailKey!)).toMatchObject({ done: true });
    const [message] = await inbox(user.email);
    expect(message.subject).toBe("Reset your Lab VPS password");
    const token = keep(linkToken(message.text)!);
    expect(message.html).toContain(`href="${env().APP_URL.replace(/\/$/, "")}/reset-password?token=${token}"`);

    // The database never holds a usable link: only a hash, and nothing that contains the token.
    const rows = await db.authToken.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0].expiresAt.getTime() - rows[0].createdAt.getTime()).toBe(30 * 60_000);

    const result = await resetPassword({ token, newPassword: "a brand new lab phrase", confirmPassword: "a brand new lab phrase" });
    expect(result).toMatchObject({ ok: true, twoFactor: false });
    expect(await verifyPassword(await passwordHashOf(user.id), "a brand new lab phrase")).toBe(true);
    expect(await findSessionUser(a, user.id)).toBeNull();
    expect(await findSessionUser(b, user.id)).toBeNull();
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0); // nobody was signed in by it
    if (result.ok) await tryDeliverEmail(result.emailKey);
    expect((await inbox(user.email)).map((m) => m.subject)).toContain("Your Lab VPS password was changed");

    // Used once: the second use is refused and changes nothing.
    expect(await resetPassword({ token, newPassword: "yet another lab phrase", confirmPassword: "yet another lab phrase" })).toEqual({ ok: false });
    expect(await verifyPassword(await passwordHashOf(user.id), "a brand new lab phrase")).toBe(true);
  });

  it("a link is refused after 30 minutes, after a newer request, and after a password change", async () => {
    const user = await customer();
    const t0 = new Date(Date.now() - 31 * 60_000);
    const expired = await requestPasswordReset(user.email, ip(), t0);
    await tryDeliverEmail(expired.emailKey!);
    const old = keep(linkToken((await inbox(user.email))[0].text)!);
    expect(await findLiveToken(old, "password_reset")).toBeNull();
    expect(await resetPassword({ token: old, newPassword: "too late lab phrase", confirmPassword: "too late lab phrase" })).toEqual({ ok: false });

    const first = await requestPasswordReset(user.email, ip());
    await tryDeliverEmail(first.emailKey!);
    const firstToken = keep(linkToken((await inbox(user.email))[0].text)!);
    const second = await requestPasswordReset(user.email, ip());
    await tryDeliverEmail(second.emailKey!);
    const secondToken = keep(linkToken((await inbox(user.email))[0].text)!);
    expect(secondToken).not.toBe(firstToken);
    expect(await resetPassword({ token: firstToken, newPassword: "newer lab phrase one", confirmPassword: "newer lab phrase one" })).toEqual({ ok: false });

    const session = await startSession(user.id);
    await changePassword(
      { userId: user.id, sessionToken: session, ip: ip() },
      changePasswordSchema.parse({ currentPassword: password, newPassword: "changed by hand here", confirmPassword: "changed by hand here" }),
    );
    expect(await resetPassword({ token: secondToken, newPassword: "newer lab phrase two", confirmPassword: "newer lab phrase two" })).toEqual({ ok: false });
  });

  it("answers an unknown address exactly like a known one, in the same time, and rate-limits per address and per client", async () => {
    const user = await customer();
    const timed = async (email: string, from: string) => {
      const started = performance.now();
      const result = await requestPasswordReset(email, from);
      return { outcome: result.outcome, ms: performance.now() - started };
    };
    const known = await timed(user.email, ip());
    const unknown = await timed(`nobody.${unique()}@example.com`, ip());
    expect(unknown.outcome).toBe(known.outcome);
    expect(Math.abs(known.ms - unknown.ms)).toBeLessThan(150);
    expect(Math.min(known.ms, unknown.ms)).toBeGreaterThanOrEqual(395);

    const address = `limit.${unique()}@example.com`;
    for (let i = 0; i < RESET_LIMITS.perAddressPerHour; i++) expect((await requestPasswordReset(address, ip())).outcome).toBe("sent");
    expect(await requestPasswordReset(address, ip())).toMatchObject({ outcome: "limited", retryAfterMinutes: 60 });

    const client = ip();
    for (let i = 0; i < RESET_LIMITS.perClientPerHour; i++) await requestPasswordReset(`spray.${i}.${unique()}@example.com`, client);
    expect((await requestPasswordReset(user.email, client)).outcome).toBe("limited");
  });
});

describe("verified email", () => {
  it("I9: the sign-up link (24 h, stored hashed) verifies the address once; resending is rate-limited", async () => {
    const user = await customer({ verified: false });
    const key = await queueVerificationEmail(user.id);
    await tryDeliverEmail(key!);
    const token = keep(linkToken((await inbox(user.email))[0].text)!);
    const row = await db.authToken.findFirstOrThrow({ where: { userId: user.id, purpose: "verify_email" } });
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(24 * 3_600_000);

    expect(await resendVerificationEmail(user.id)).toEqual(expect.any(String));
    await expect(resendVerificationEmail(user.id)).rejects.toThrow(/You can ask for another in 1 minute/);
    // The resend made the first link stale (a newer request wins); the newest one verifies once.
    expect(await verifyEmail(token)).toEqual({ ok: false });
    const latest = await db.authToken.findFirstOrThrow({ where: { userId: user.id, purpose: "verify_email", usedAt: null } });
    expect(latest).toBeTruthy();
    await tryDeliverEmail((await db.emailOutbox.findFirstOrThrow({ where: { key: { startsWith: `verify-email:${user.id}:` }, status: "pending" } })).key);
    const newest = keep(linkToken((await inbox(user.email))[0].text)!);
    expect(await verifyEmail(newest)).toEqual({ ok: true });
    expect(await verifyEmail(newest)).toEqual({ ok: false });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).toBeInstanceOf(Date);
  });

  it("an email change verifies the new address before it replaces the old one, and tells the old one", async () => {
    const user = await customer();
    const newEmail = `moved.${unique()}@example.com`;
    await expect(requestEmailChange({ userId: user.id, ip: ip() }, { newEmail, password: "wrong password here" })).rejects.toMatchObject({ field: "password" });
    const { keys } = await requestEmailChange({ userId: user.id, ip: ip() }, { newEmail, password });
    for (const key of keys) await tryDeliverEmail(key);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email); // not yet
    expect((await inbox(user.email)).map((m) => m.subject)).toContain("A change of your Lab VPS email address was requested");
    const token = keep(linkToken((await inbox(newEmail))[0].text)!);

    const done = await confirmEmailChange(token);
    expect(done.ok).toBe(true);
    for (const key of done.keys) await tryDeliverEmail(key);
    expect(await db.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ email: newEmail, emailVerified: expect.any(Date) });
    expect((await inbox(user.email)).map((m) => m.subject)).toContain("Your Lab VPS email address was changed");
    expect(await db.auditEvent.count({ where: { subjectId: user.id, action: "user.email_changed" } })).toBe(1);
    // I5: the VMs' Access policies follow the new address, in a background run (I2).
    const changed = (await inngestEvents(inject("simUrls").inngest)).filter(
      (e) => e.name === "user/email.changed" && (e.data as { userId?: string }).userId === user.id,
    );
    expect(changed).toHaveLength(1);
    expect((await confirmEmailChange(token)).ok).toBe(false);
  });
});

describe("two-factor sign-in", () => {
  it("I9: enrol with a first code; the secret is sealed and recovery codes hashed; a code works once, a recovery code once; wrong codes are rate-limited; turning it off needs both factors", async () => {
    const user = await customer();
    const { secret, qrSvg, uri } = await startTwoFactorEnrolment(user.id);
    keep(secret);
    expect(qrSvg.startsWith("<svg")).toBe(true);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Lab%20VPS:/);
    const { recoveryCodes } = await confirmTwoFactorEnrolment(user.id, await generate({ secret }));
    expect(recoveryCodes).toHaveLength(10);
    recoveryCodes.forEach((c) => keep(c));

    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { totpSecret: true } });
    expect(stored.totpSecret).not.toContain(secret);
    expect(openSecret(stored.totpSecret!, env().VM_SECRET_KEY)).toBe(secret);
    const codes = JSON.stringify(await db.recoveryCode.findMany({ where: { userId: user.id } }));
    for (const code of recoveryCodes) expect(codes).not.toContain(code.replace("-", ""));

    // The second step: the challenge alone does nothing; with a code it signs in, and a code is accepted once.
    const challenge = keep(await createTwoFactorChallenge(user));
    const from = ip();
    const current = await generate({ secret });
    expect(await completeTwoFactorChallenge(challenge, "000000", from)).toEqual({ ok: false, reason: "invalid" });
    // The code that confirmed the enrolment is not accepted a second time (its time step is spent).
    expect(await completeTwoFactorChallenge(challenge, current, from)).toEqual({ ok: false, reason: "invalid" });
    const again = keep(await createTwoFactorChallenge(user));
    const later = keep(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    expect(await completeTwoFactorChallenge(again, later, from)).toMatchObject({ ok: true, user: { id: user.id } });
    expect(await completeTwoFactorChallenge(again, later, from)).toEqual({ ok: false, reason: "expired" });

    expect(await verifySecondFactor(user.id, recoveryCodes[0], ip())).toEqual({ ok: true, usedRecoveryCode: true });
    expect(await verifySecondFactor(user.id, recoveryCodes[0], ip())).toEqual({ ok: false, reason: "invalid" });

    const attacker = ip();
    for (let i = 0; i < env().LOGIN_MAX_FAILURES_PER_EMAIL - 2; i++) await verifySecondFactor(user.id, "123456", attacker);
    expect(await verifySecondFactor(user.id, recoveryCodes[1], attacker)).toMatchObject({ ok: false, reason: "rate_limited" });

    await db.loginAttempt.deleteMany({ where: { email: user.email } });
    await expect(disableTwoFactor({ userId: user.id, ip: ip() }, { password, code: "999999" })).rejects.toMatchObject({ field: "code" });
    await expect(disableTwoFactor({ userId: user.id, ip: ip() }, { password: "not it at all", code: recoveryCodes[2] })).rejects.toMatchObject({
      field: "password",
    });
    await disableTwoFactor({ userId: user.id, ip: ip() }, { password, code: recoveryCodes[3].replace("-", "") });
    expect(await db.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ totpEnabledAt: null });
    expect(await db.recoveryCode.count({ where: { userId: user.id } })).toBe(0);

    const events = (await db.auditEvent.findMany({ where: { subjectId: user.id }, select: { action: true } })).map((e) => e.action);
    expect(events).toEqual(expect.arrayContaining(["user.2fa_enabled", "user.recovery_code_used", "user.2fa_disabled"]));
    keep(current);
  });
});

describe("comparisons", () => {
  it("tokens are compared in constant time (timingSafeEqual), and constantTimeEqual is exact", async () => {
    const user = await customer();
    const sent = await requestPasswordReset(user.email, ip());
    await tryDeliverEmail(sent.emailKey!);
    const token = keep(linkToken((await inbox(user.email))[0].text)!);
    crypto.timingSafeEqualCalls = 0;
    expect(await findLiveToken(token, "password_reset")).not.toBeNull();
    expect(crypto.timingSafeEqualCalls).toBeGreaterThan(0);
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
  });
});
