// Rate limits other than sign-in (that one is lib/auth/rate-limit.ts): requests counted per
// bucket and key over a sliding window, in the database so they hold across processes.
import { db } from "@/lib/db";

export type RateRule = { bucket: string; key: string; max: number; windowMinutes: number };

/** Counts this request under every rule; limited when any rule already saw `max` in its window. */
export async function takeRateLimit(rules: RateRule[], now = new Date()): Promise<{ limited: false } | { limited: true; retryAfterMinutes: number }> {
  let freeAt = 0;
  for (const rule of rules) {
    const since = new Date(now.getTime() - rule.windowMinutes * 60_000);
    const seen = await db.rateEvent.findMany({
      where: { bucket: rule.bucket, key: rule.key, createdAt: { gt: since } },
      orderBy: { createdAt: "desc" },
      take: rule.max,
      select: { createdAt: true },
    });
    if (seen.length >= rule.max) freeAt = Math.max(freeAt, seen[rule.max - 1].createdAt.getTime() + rule.windowMinutes * 60_000);
  }
  if (freeAt) return { limited: true, retryAfterMinutes: Math.max(1, Math.ceil((freeAt - now.getTime()) / 60_000)) };
  await db.rateEvent.createMany({ data: rules.map((r) => ({ bucket: r.bucket, key: r.key, createdAt: now })) });
  return { limited: false };
}
