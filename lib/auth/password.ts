// Password hashing and the password rule. argon2id with OWASP's minimum recommended cost
// (19 MiB, 2 passes): slow enough for offline attacks, fast enough for a sign-in (~20 ms here).
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";

const ARGON2ID = 2; // Algorithm.Argon2id; the package's const enum does not survive isolatedModules.
const options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash is a failed sign-in, not a crash
  }
}

// A hash of a random string, verified against when the email is unknown so that an unknown email
// and a wrong password take the same time (no account enumeration by timing).
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(crypto.randomUUID());
  return decoyHash;
}

const COMMON = new Set([
  "password123",
  "password1234",
  "1234567890",
  "qwertyuiop",
  "iloveyou123",
  "letmein123",
  "administrator",
  "welcome123",
  "passw0rd123",
  "0123456789",
  "abcdefghij",
  "qwerty12345",
]);

// Length over composition rules (NIST SP 800-63B): at least 10 characters, not a well-known
// password, not one repeated character.
export const passwordSchema = z
  .string()
  .min(10, "Use at least 10 characters.")
  .max(128, "Use at most 128 characters.")
  .refine((p) => !COMMON.has(p.toLowerCase()), "This password is too common; choose another.")
  .refine((p) => new Set(p).size > 2, "Use more than two different characters.");
