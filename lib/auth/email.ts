import { z } from "zod";

/** Emails are compared case-insensitively: stored trimmed and lower-cased (a DB check enforces it). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const emailSchema = z
  .string()
  .trim()
  .min(1, "Enter your email address.")
  .max(254, "That email address is too long.")
  .pipe(z.email("Enter a valid email address."))
  .transform(normalizeEmail);
