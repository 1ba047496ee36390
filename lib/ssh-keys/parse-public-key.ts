// Validates an OpenSSH public key line by decoding its wire format (RFC 4253 §6.6, RFC 5656,
// RFC 8709), not by regex: the type inside the blob must match the label, and RSA keys must be at
// least 2048 bits. Only ed25519, ecdsa (P-256/384/521) and rsa are accepted.
import { createHash } from "node:crypto";

export type ParsedPublicKey = { type: string; blob: string; comment: string; bits: number; fingerprint: string; normalized: string };
export type ParseResult = { ok: true; key: ParsedPublicKey } | { ok: false; error: string };

const ECDSA_BITS: Record<string, number> = { nistp256: 256, nistp384: 384, nistp521: 521 };

function readFields(blob: Buffer): Buffer[] | null {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return null;
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) return null;
    fields.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return fields;
}

function mpintBits(mpint: Buffer): number {
  let i = 0;
  while (i < mpint.length && mpint[i] === 0) i++; // a leading zero byte keeps the number positive
  if (i === mpint.length) return 0;
  return (mpint.length - i - 1) * 8 + (32 - Math.clz32(mpint[i]!));
}

export function parsePublicKey(line: string): ParseResult {
  const trimmed = line.trim();
  if (!trimmed) return { ok: false, error: "Paste a public key." };
  if (/PRIVATE KEY/.test(trimmed)) return { ok: false, error: "That is a private key. Paste the public key (the .pub file) instead." };
  if (/[\r\n]/.test(trimmed)) return { ok: false, error: "Paste one key on a single line." };
  const [type = "", data = "", ...rest] = trimmed.split(/\s+/);
  const comment = rest.join(" ");
  if (!["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"].includes(type)) {
    return { ok: false, error: "Use an ed25519, ecdsa or rsa key (it starts with ssh-ed25519, ecdsa-sha2-… or ssh-rsa)." };
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return { ok: false, error: "The key data is not valid base64." };
  const blob = Buffer.from(data, "base64");
  const fields = readFields(blob);
  if (!fields || fields[0]?.toString("latin1") !== type) return { ok: false, error: "The key data does not match its type; paste the whole line." };

  let bits = 0;
  if (type === "ssh-ed25519") {
    if (fields.length !== 2 || fields[1]!.length !== 32) return { ok: false, error: "This ed25519 key is malformed." };
    bits = 256;
  } else if (type === "ssh-rsa") {
    if (fields.length !== 3) return { ok: false, error: "This RSA key is malformed." };
    bits = mpintBits(fields[2]!);
    if (bits < 2048) return { ok: false, error: `RSA keys must be at least 2048 bits; this one has ${bits}.` };
  } else {
    const curve = type.slice("ecdsa-sha2-".length);
    if (fields.length !== 3 || fields[1]!.toString("latin1") !== curve || fields[2]![0] !== 0x04) return { ok: false, error: "This ECDSA key is malformed." };
    bits = ECDSA_BITS[curve]!;
  }
  const fingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
  return { ok: true, key: { type, blob: data, comment, bits, fingerprint, normalized: `${type} ${data}` } };
}
