// Single-use tokens for links and the second sign-in step (AuthToken rows). The token is 32
// random bytes shown once (in a link or a cookie); only its SHA-256 is stored, so a copy of the
// database holds no usable link (I9). Using one is a conditional update (`usedAt` still null, not
// expired), so two clicks cannot both succeed; issuing one revokes the user's earlier unused ones
// of the same purpose (a newer request invalidates the older link).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { db } from "@/lib/db";
import type { AuthToken } from "@/lib/generated/prisma/client";

export type TokenPurpose = "password_reset" | "verify_email" | "change_email" | "two_factor_sign_in";

export const TOKEN_TTL_MS: Record<TokenPurpose, number> = {
  password_reset: 30 * 60_000,
  verify_email: 24 * 3_600_000,
  change_email: 24 * 3_600_000,
  two_factor_sign_in: 10 * 60_000,
};

type Client = Pick<typeof db, "authToken">;

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("base64url");

/** Equal strings in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time independent of a.
  return x.length === y.length ? timingSafeEqual(x, y) : (timingSafeEqual(x, x), false);
}

/** A fresh token for `purpose`; the user's earlier unused ones of that purpose stop working. */
export async function issueToken(userId: string, purpose: TokenPurpose, email: string, now = new Date(), client: Client = db): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await revokeTokens(userId, purpose, now, client);
  await client.authToken.create({
    data: { userId, purpose, email, tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[purpose]), createdAt: now },
  });
  return token;
}

export async function revokeTokens(userId: string, purpose: TokenPurpose, now = new Date(), client: Client = db) {
  await client.authToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: now } });
}

/** The live (unused, unexpired) row for this token and purpose, without using it. */
export async function findLiveToken(token: unknown, purpose: TokenPurpose, now = new Date(), client: Client = db): Promise<AuthToken | null> {
  if (typeof token !== "string" || token.length < 20 || token.length > 100) return null;
  const hash = hashToken(token);
  const row = await client.authToken.findUnique({ where: { tokenHash: hash } });
  // The lookup is by hash (what an attacker controls is hashed first); the comparison that
  // decides is constant-time too.
  if (!row || !constantTimeEqual(row.tokenHash, hash) || row.purpose !== purpose || row.usedAt || row.expiresAt <= now) return null;
  return row;
}

/** Uses the token once: the row when this call used it, null when it was used, revoked or expired. */
export async function consumeToken(token: unknown, purpose: TokenPurpose, now = new Date(), client: Client = db): Promise<AuthToken | null> {
  const row = await findLiveToken(token, purpose, now, client);
  if (!row) return null;
  const { count } = await client.authToken.updateMany({ where: { id: row.id, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  return count === 1 ? row : null;
}
