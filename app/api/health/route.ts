export const dynamic = "force-dynamic";

/**
 * Liveness: the process answers. No database or service is asked (a replica whose database blips
 * must not be restarted for it); /api/ready says whether everything it needs is working.
 */
export function GET() {
  return Response.json({ ok: true }, { headers: { "cache-control": "no-store" } });
}
