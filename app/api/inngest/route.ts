import { serve } from "inngest/next";
import { inngest } from "@/lib/jobs/client";
import { functions } from "@/inngest";
import { markInngestSynced } from "@/lib/observability/readiness";

const handlers = serve({ client: inngest, functions });
export const { GET, POST } = handlers;

/** A sync (Inngest, the dev server or the stand-in PUTs here): recorded for /api/ready once it succeeded. */
export async function PUT(...args: Parameters<typeof handlers.PUT>) {
  const response = await handlers.PUT(...args);
  if (response.ok) await markInngestSynced().catch(() => undefined);
  return response;
}
