// Saving a customer's SSH public key. Keys are per user and reusable across orders; the key line is
// validated by decoding it (parsePublicKey), never stored as pasted: only "<type> <base64>".
import { z } from "zod";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { parsePublicKey, type ParsedPublicKey } from "@/lib/ssh-keys/parse-public-key";

export const sshKeyNameSchema = z.string().trim().min(1, "Give the key a name.").max(60, "Use at most 60 characters.");
// A 16384-bit RSA key line is ~2.8 kB: anything far larger is not a public key.
export const publicKeyLineSchema = z.string().trim().min(1, "Paste a public key.").max(8_000, "That is too long for a public key line.");

export const addSshKeySchema = z.object({ name: sshKeyNameSchema, publicKey: publicKeyLineSchema });
export type AddSshKeyInput = z.output<typeof addSshKeySchema>;

export const sshKeySummarySelect = {
  id: true,
  name: true,
  fingerprint: true,
  keyType: true,
  bits: true,
  createdAt: true,
} as const satisfies Prisma.SshKeySelect;
export type SshKeySummary = Prisma.SshKeyGetPayload<{ select: typeof sshKeySummarySelect }>;

/** The parsed key, or a FieldError on `field` with the parser's plain message. */
export function parseKeyOrThrow(line: string, field: string): ParsedPublicKey {
  const parsed = parsePublicKey(line);
  if (!parsed.ok) throw new FieldError(field, parsed.error);
  return parsed.key;
}

/** Validates and saves a key for `userId` (I10: a bad or duplicate key is a field error, nothing saved). */
export async function addSshKey(userId: string, input: AddSshKeyInput): Promise<SshKeySummary> {
  const key = parseKeyOrThrow(input.publicKey, "publicKey");
  try {
    return await db.sshKey.create({
      data: { userId, name: input.name, publicKey: key.normalized, fingerprint: key.fingerprint, keyType: key.type, bits: key.bits },
      select: sshKeySummarySelect,
    });
  } catch (error) {
    // The (user, fingerprint) unique index decides, so two concurrent adds cannot both succeed.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw new FieldError("publicKey", "You already saved this key.");
    throw error;
  }
}
