// Request signatures as Inngest Cloud and `inngest start` send them and inngest@4 checks them
// (InngestCommHandler.validateSignature, RequestSignature, helpers/net signDataWithKey):
// `X-Inngest-Signature: t=<unix seconds>&s=<hex HMAC-SHA256>` over the body's canonical JSON
// (RFC 8785) followed by the timestamp, keyed by the signing key without its `signkey-<env>-`
// prefix. The SDK refuses a timestamp more than 5 minutes away from its own clock. Calls the
// SDK makes back (register, checkpoint) carry `Authorization: Bearer <hashed signing key>`.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const MAX_SIGNATURE_SKEW_MS = 5 * 60_000;

/** RFC 8785 JSON: object keys sorted, no whitespace; what the SDK hashes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== "function")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

const stripPrefix = (key: string) => key.replace(/^signkey-\w+-/, "");

/** The `X-Inngest-Signature` value for a JSON body at `atMs` (tests pass a skewed clock). */
export function signatureFor(body: unknown, signingKey: string, atMs = Date.now()): string {
  const ts = Math.round(atMs / 1000).toString();
  const mac = createHmac("sha256", stripPrefix(signingKey))
    .update(canonicalJson(body) + ts)
    .digest("hex");
  return `t=${ts}&s=${mac}`;
}

/** What the SDK sends as its bearer token: the prefix, then sha256 of the key's hex bytes. */
export function hashSigningKey(signingKey: string): string {
  const prefix = /^signkey-\w+-/.exec(signingKey)?.[0] ?? "";
  return `${prefix}${createHash("sha256")
    .update(Buffer.from(stripPrefix(signingKey), "hex"))
    .digest("hex")}`;
}

/** Whether an `Authorization` header carries the hashed signing key. */
export function bearerMatches(header: string | undefined, signingKey: string): boolean {
  const expected = Buffer.from(`Bearer ${hashSigningKey(signingKey)}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
