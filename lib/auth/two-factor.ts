// Two-factor sign-in with TOTP (RFC 6238, otplib): enrolment shows a QR code we render ourselves
// (uqr, an SVG in our page; the secret never leaves for a third party), confirmed by a first code;
// ten recovery codes are shown once and stored hashed. Codes are checked under the sign-in rate
// limit (a wrong code is a failed sign-in for the account), a TOTP code is accepted once (the
// accepted time step is remembered), a recovery code once. Secrets are sealed at rest (I9).
import { createHmac, randomBytes } from "node:crypto";
import { generateSecret, generateURI, verify } from "otplib";
import { renderSVG } from "uqr";
import { z } from "zod";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { FieldError, UserFacingError } from "@/lib/errors";
import { openSecret, sealSecret } from "@/lib/crypto/secret-box";
import { verifyPassword } from "@/lib/auth/password";
import { checkLoginLimit, recordLoginAttempt } from "@/lib/auth/rate-limit";
import { recordSecurityEvent } from "@/lib/auth/security-events";

const ISSUER = "Lab VPS";
export const RECOVERY_CODE_COUNT = 10;
// One step of clock drift either way (30 s), as authenticator apps and RFC 6238 §5.2 suggest.
const EPOCH_TOLERANCE_S = 30;

export const codeSchema = z
  .string()
  .trim()
  .min(1, "Enter the code from your authenticator app or a recovery code.")
  .max(32, "That is not a code.")
  .transform((c) => c.replace(/[\s-]/g, "").toLowerCase());

const seal = (secret: string) => sealSecret(secret, env().VM_SECRET_KEY);
const open = (sealed: string) => openSecret(sealed, env().VM_SECRET_KEY);
// Recovery codes have 50 random bits; a keyed hash means a database copy alone cannot test guesses.
const hashRecoveryCode = (code: string) => createHmac("sha256", env().AUTH_SECRET).update(code).digest("base64url");

export type Enrolment = { secret: string; uri: string; qrSvg: string };

/** A new secret awaiting its first code (an enabled factor stays as it is until then). */
export async function startTwoFactorEnrolment(userId: string): Promise<Enrolment> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, totpEnabledAt: true } });
  if (user.totpEnabledAt) throw new UserFacingError("Two-factor sign-in is already on.");
  const secret = generateSecret();
  await db.user.update({ where: { id: userId }, data: { totpPendingSecret: seal(secret) } });
  return enrolmentView(user.email, secret);
}

/** The pending enrolment, to show again (a reload of the page). */
export async function pendingTwoFactorEnrolment(userId: string): Promise<Enrolment | null> {
  // Selecting a column by name reads it despite the client's default omit (lib/db.ts).
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, totpPendingSecret: true, totpEnabledAt: true } });
  if (user.totpEnabledAt || !user.totpPendingSecret) return null;
  return enrolmentView(user.email, open(user.totpPendingSecret));
}

function enrolmentView(email: string, secret: string): Enrolment {
  const uri = generateURI({ issuer: ISSUER, label: email, secret });
  return { secret, uri, qrSvg: renderSVG(uri, { border: 2 }) };
}

async function checkTotp(sealed: string, code: string, afterTimeStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret: open(sealed), token: code, epochTolerance: EPOCH_TOLERANCE_S, ...(afterTimeStep !== null && { afterTimeStep }) }).catch(
    () => ({ valid: false as const }),
  );
  return result.valid && "timeStep" in result ? result.timeStep : null;
}

function newRecoveryCodes(): string[] {
  // 10 characters of base32 (no look-alikes), shown as xxxxx-xxxxx.
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(10);
    const raw = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}

/** Turns two-factor on with the first code; returns the recovery codes (shown once, never again). */
export async function confirmTwoFactorEnrolment(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { totpPendingSecret: true, totpEnabledAt: true } });
  if (user.totpEnabledAt) throw new UserFacingError("Two-factor sign-in is already on.");
  if (!user.totpPendingSecret) throw new UserFacingError("Start again: no enrolment is waiting.");
  const step = await checkTotp(user.totpPendingSecret, code, null);
  if (step === null) throw new FieldError("code", "That code is not right. Check the time on your phone and enter the current code.");
  const codes = newRecoveryCodes();
  await db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: userId, totpEnabledAt: null, totpPendingSecret: user.totpPendingSecret },
      data: { totpSecret: user.totpPendingSecret, totpPendingSecret: null, totpEnabledAt: new Date(), totpLastStep: step },
    });
    if (count !== 1) throw new UserFacingError("Two-factor sign-in changed meanwhile; reload the page.");
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId, codeHash: hashRecoveryCode(c.replace("-", "")) })) });
    await recordSecurityEvent(userId, "user.2fa_enabled", {}, tx);
  });
  return { recoveryCodes: codes };
}

export type SecondFactorResult =
  { ok: true; usedRecoveryCode: boolean } | { ok: false; reason: "invalid" } | { ok: false; reason: "rate_limited"; retryAfterMinutes: number };

/** Checks a TOTP or recovery code for the account under the sign-in rate limit. */
export async function verifySecondFactor(userId: string, rawCode: string, ip: string): Promise<SecondFactorResult> {
  const user = await db.user.findUniqueOrThrow({
    where: { id: userId },
    select: { email: true, totpSecret: true, totpEnabledAt: true, totpLastStep: true },
  });
  const limit = await checkLoginLimit(user.email, ip);
  if (limit.limited) return { ok: false, reason: "rate_limited", retryAfterMinutes: limit.retryAfterMinutes };
  const code = codeSchema.safeParse(rawCode);
  if (user.totpEnabledAt && user.totpSecret && code.success) {
    const step = await checkTotp(user.totpSecret, code.data, user.totpLastStep);
    // Conditional on the last step: two requests with the same code cannot both pass.
    if (step !== null) {
      const { count } = await db.user.updateMany({
        where: { id: userId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step },
      });
      if (count === 1) return { ok: true, usedRecoveryCode: false };
    } else if (/^[a-z0-9]{10}$/.test(code.data)) {
      const { count } = await db.recoveryCode.updateMany({
        where: { userId, codeHash: hashRecoveryCode(code.data), usedAt: null },
        data: { usedAt: new Date() },
      });
      if (count === 1) {
        await recordSecurityEvent(userId, "user.recovery_code_used");
        return { ok: true, usedRecoveryCode: true };
      }
    }
  }
  await recordLoginAttempt(user.email, ip, false);
  return { ok: false, reason: "invalid" };
}

export const disableTwoFactorSchema = z.object({
  password: z.string().min(1, "Enter your password.").max(128, "Use at most 128 characters."),
  code: codeSchema,
});

/** Turning it off takes both factors: the password and a current code (or a recovery code). */
export async function disableTwoFactor(who: { userId: string; ip: string }, input: z.output<typeof disableTwoFactorSchema>) {
  const user = await db.user.findUniqueOrThrow({ where: { id: who.userId }, select: { email: true, passwordHash: true, totpEnabledAt: true } });
  if (!user.totpEnabledAt) throw new UserFacingError("Two-factor sign-in is already off.");
  const limit = await checkLoginLimit(user.email, who.ip);
  if (limit.limited)
    throw new UserFacingError(`Too many wrong attempts. Try again in ${limit.retryAfterMinutes} minute${limit.retryAfterMinutes === 1 ? "" : "s"}.`);
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    await recordLoginAttempt(user.email, who.ip, false);
    throw new FieldError("password", "This is not your password.");
  }
  const second = await verifySecondFactor(who.userId, input.code, who.ip);
  if (!second.ok) throw new FieldError("code", second.reason === "rate_limited" ? "Too many wrong codes; try again later." : "That code is not right.");
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: who.userId }, data: { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null } });
    await tx.recoveryCode.deleteMany({ where: { userId: who.userId } });
    await recordSecurityEvent(who.userId, "user.2fa_disabled", {}, tx);
  });
}

export async function remainingRecoveryCodes(userId: string): Promise<number> {
  return db.recoveryCode.count({ where: { userId, usedAt: null } });
}
