import { checkReadiness } from "@/lib/observability/readiness";

export const dynamic = "force-dynamic";

/** Readiness: database reachable, migrations applied, Inngest synced (lib/observability/readiness.ts). 503 until then. */
export async function GET() {
  const { ready, checks } = await checkReadiness();
  return Response.json({ ok: ready, checks }, { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } });
}
