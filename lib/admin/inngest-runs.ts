// Inngest runs behind an order (issue 22, Build 1), for the operator's timeline. Where to ask:
//   - local mode (INNGEST_DEV: the dev server's origin, or our stand-in): the stand-in's
//     `/_sim/events/<id>` lists each event's runs with their steps;
//   - Inngest Cloud or self-hosted (`INNGEST_SIGNING_KEY`): the REST API `GET /v1/events/<id>/runs`
//     with the signing key as bearer token (Inngest's API docs), at INNGEST_BASE_URL or the cloud.
// The events asked about are ours: Stripe events are forwarded with their Stripe id as the
// Inngest event id, and order events carry ids built in lib/jobs/events.ts.
import { env } from "@/lib/env";
import { errorFields, log } from "@/lib/observability/log";

export type TimelineStep = { name: string; status: string; startedAt?: string; endedAt?: string; error?: string };
export type TimelineRun = {
  runId: string;
  functionId: string;
  status: string;
  eventId: string;
  startedAt?: string;
  endedAt?: string;
  steps: TimelineStep[];
  link?: string;
};

type SimRun = {
  id: string;
  functionId: string;
  status: string;
  eventId: string;
  startedAt?: string | number;
  endedAt?: string | number;
  steps?: Array<{ name?: string; displayName?: string; status: string; startedAt?: string; endedAt?: string; error?: { message?: string } }>;
};

const iso = (t: string | number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

async function simRuns(origin: string, eventId: string): Promise<TimelineRun[]> {
  const response = await fetch(`${origin}/_sim/events/${encodeURIComponent(eventId)}`, { signal: AbortSignal.timeout(3_000) });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Inngest stand-in answered ${response.status}`);
  const body = (await response.json()) as { runs?: SimRun[] };
  return (body.runs ?? []).map((r) => ({
    runId: r.id,
    functionId: r.functionId,
    status: r.status,
    eventId,
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    steps: (r.steps ?? []).map((s) => ({
      name: s.displayName ?? s.name ?? "step",
      status: s.status,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      error: s.error?.message,
    })),
    link: `${origin}/_sim/page?run=${encodeURIComponent(r.id)}`,
  }));
}

async function apiRuns(base: string, signingKey: string, eventId: string): Promise<TimelineRun[]> {
  const response = await fetch(`${base}/v1/events/${encodeURIComponent(eventId)}/runs`, {
    headers: { authorization: `Bearer ${signingKey}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Inngest API answered ${response.status}`);
  const body = (await response.json()) as { data?: Array<{ run_id: string; function_id: string; status: string; run_started_at?: string; ended_at?: string }> };
  return (body.data ?? []).map((r) => ({
    runId: r.run_id,
    functionId: r.function_id,
    status: r.status,
    eventId,
    startedAt: r.run_started_at,
    endedAt: r.ended_at ?? undefined,
    steps: [],
  }));
}

/** Runs started by these events; null when Inngest could not be asked (the page says so). */
export async function runsForEvents(eventIds: string[]): Promise<TimelineRun[] | null> {
  const { INNGEST_DEV, INNGEST_SIGNING_KEY } = env();
  const devOrigin = INNGEST_DEV && /^https?:\/\//.test(INNGEST_DEV) ? INNGEST_DEV.replace(/\/$/, "") : null;
  try {
    const lists = await Promise.all(
      eventIds.map((id) =>
        devOrigin
          ? simRuns(devOrigin, id)
          : INNGEST_SIGNING_KEY
            ? apiRuns((process.env.INNGEST_BASE_URL || "https://api.inngest.com").replace(/\/$/, ""), INNGEST_SIGNING_KEY, id)
            : Promise.resolve([]),
      ),
    );
    return lists.flat();
  } catch (error) {
    log("admin").warn(errorFields(error), "could not read Inngest runs");
    return null;
  }
}

/** The stand-in's page for this order's runs (local mode only). */
export function localRunsPage(orderId: string): string | null {
  const dev = env().INNGEST_DEV;
  return dev && /^https?:\/\//.test(dev) ? `${dev.replace(/\/$/, "")}/_sim/page?order=${encodeURIComponent(orderId)}` : null;
}
