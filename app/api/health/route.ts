import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

/** Readiness: the app answers and its database does. No details beyond ok/not ok. */
export async function GET() {
  try {
    await db.$queryRaw`SELECT 1`;
    return Response.json({ ok: true });
  } catch {
    return Response.json({ ok: false }, { status: 503 });
  }
}
