// /api/ready (issue 22, Build 4): may this replica take traffic that needs everything working?
// The database answers, every migration this build ships is applied, and Inngest has synced this
// build's functions (recorded by whichever replica served the sync: app/api/inngest/route.ts).
// /api/health only says the process is alive (the proxy's and the image's health check).
import fs from "node:fs/promises";
import path from "node:path";
import { db } from "@/lib/db";

export type ReadinessCheck = { name: "database" | "migrations" | "inngest"; ok: boolean; detail?: string };

/** The build's id (next build writes it): a new build must be synced again. */
async function buildId(): Promise<string> {
  return (await fs.readFile(path.join(process.cwd(), ".next", "BUILD_ID"), "utf8").catch(() => "dev")).trim();
}

const syncKey = async () => `inngest.synced:${await buildId()}`;

export async function markInngestSynced(): Promise<void> {
  const key = await syncKey();
  await db.serviceMark.upsert({ where: { key }, create: { key }, update: { at: new Date() } });
}

async function pendingMigrations(): Promise<string[]> {
  const dir = path.join(process.cwd(), "prisma", "migrations");
  const shipped = (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const applied = await db.$queryRaw<Array<{ name: string }>>`
    SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(applied.map((r) => r.name));
  return shipped.filter((name) => !done.has(name)).sort();
}

export async function checkReadiness(): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  const checks: ReadinessCheck[] = [];
  try {
    await db.$queryRaw`SELECT 1`;
    checks.push({ name: "database", ok: true });
  } catch {
    checks.push({ name: "database", ok: false, detail: "unreachable" });
    return { ready: false, checks };
  }
  const pending = await pendingMigrations().catch(() => null);
  checks.push(
    pending === null
      ? { name: "migrations", ok: false, detail: "cannot compare" }
      : { name: "migrations", ok: pending.length === 0, detail: pending.length ? `${pending.length} pending` : undefined },
  );
  const synced = await db.serviceMark.findUnique({ where: { key: await syncKey() } });
  checks.push({ name: "inngest", ok: Boolean(synced), detail: synced ? undefined : "this build's functions are not synced yet" });
  return { ready: checks.every((c) => c.ok), checks };
}
