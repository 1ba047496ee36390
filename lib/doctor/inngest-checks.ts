// Inngest preflight, when an Inngest endpoint is configured (INNGEST_DEV as a URL: `inngest dev`
// or the stand-in; or INNGEST_BASE_URL: a self-hosted `inngest start`): is every function this
// app serves registered there? One invalid function makes Inngest refuse the whole sync
// ("At least one function is invalid"), so a partial or empty list means nothing would run.
// Reads the executor's info route (`GET /dev`, inngest/inngest pkg/devserver/api.go), with the
// hashed signing key when one is set, as the SDK authenticates its own calls.
import { createHash } from "node:crypto";
import { env } from "@/lib/env";
import { type CheckResult, fail, pass } from "@/lib/doctor/check";

/** The Inngest endpoint to ask, or null when none is configured (Inngest Cloud has no /dev). */
export function inngestEndpoint(
  e: { INNGEST_DEV?: string; INNGEST_BASE_URL?: string } = { ...env(), INNGEST_BASE_URL: process.env.INNGEST_BASE_URL },
): string | null {
  if (e.INNGEST_DEV && /^https?:\/\//.test(e.INNGEST_DEV)) return e.INNGEST_DEV;
  if (e.INNGEST_BASE_URL && /^https?:\/\//.test(e.INNGEST_BASE_URL)) return e.INNGEST_BASE_URL;
  return null;
}

/** The SDK's bearer token: the key's prefix, then sha256 of its hex bytes. */
function hashedSigningKey(key: string): string {
  const prefix = /^signkey-\w+-/.exec(key)?.[0] ?? "";
  return `${prefix}${createHash("sha256")
    .update(Buffer.from(key.slice(prefix.length), "hex"))
    .digest("hex")}`;
}

export async function inngestSyncCheck(expectedIds: string[], endpoint = inngestEndpoint()): Promise<CheckResult | null> {
  if (!endpoint) return null;
  const key = env().INNGEST_SIGNING_KEY;
  const res = await fetch(new URL("/dev", endpoint), {
    headers: key ? { authorization: `Bearer ${hashedSigningKey(key)}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) return fail("inngest", "sync", `${endpoint}/dev answered HTTP ${res.status}`);
  const info = (await res.json()) as { functions?: Array<{ slug?: string }> };
  const registered = new Set((info.functions ?? []).map((f) => f.slug));
  const missing = expectedIds.filter((id) => !registered.has(id));
  return missing.length
    ? fail(
        "inngest",
        "sync",
        `${missing.length} of ${expectedIds.length} functions not registered at ${endpoint} (${missing.join(", ")}): sync the app (PUT /api/inngest) and read the sync error there`,
      )
    : pass("inngest", "sync", `all ${expectedIds.length} functions registered at ${endpoint}`);
}
