// What the operator sees of the webhook outbox and the sweeper on /admin: the last sweeps (what
// each found and did), the sweeper's recent changes, and events still waiting to be forwarded.
import { db } from "@/lib/db";
import { SWEEPER } from "@/lib/billing/sweep-stuck-work";

type SectionSummary = { found: number; outcomes: Record<string, number> };
export type SweepSummary = { at: Date; sections: Record<string, SectionSummary> };
export type SweeperAction = { at: Date; action: string; subject: string };

export async function getSweeperActivity() {
  const [sweeps, actions, waiting, failing, oldest] = await Promise.all([
    db.auditEvent.findMany({
      where: { actorType: SWEEPER.type, actorId: SWEEPER.id, action: "sweep.completed" },
      orderBy: { createdAt: "desc" },
      take: 5,
      select: { createdAt: true, data: true },
    }),
    db.auditEvent.findMany({
      where: { actorType: SWEEPER.type, actorId: SWEEPER.id, action: { not: "sweep.completed" } },
      orderBy: { createdAt: "desc" },
      take: 10,
      select: { createdAt: true, action: true, subjectType: true, subjectId: true },
    }),
    db.stripeEvent.count({ where: { status: "received", forwardedAt: null } }),
    db.stripeEvent.count({ where: { status: "received", forwardedAt: null, forwardError: { not: null } } }),
    db.stripeEvent.findFirst({ where: { status: "received", forwardedAt: null }, orderBy: { receivedAt: "asc" }, select: { receivedAt: true } }),
  ]);
  return {
    sweeps: sweeps.map((s): SweepSummary => ({ at: s.createdAt, sections: summarize(s.data) })),
    actions: actions.map((a): SweeperAction => ({ at: a.createdAt, action: a.action, subject: `${a.subjectType} ${a.subjectId}` })),
    outbox: { waiting, failing, oldestReceivedAt: oldest?.receivedAt ?? null },
  };
}

function summarize(data: unknown): Record<string, SectionSummary> {
  if (!data || typeof data !== "object") return {};
  return Object.fromEntries(
    Object.entries(data as Record<string, Partial<SectionSummary>>).map(([name, s]) => [name, { found: Number(s?.found ?? 0), outcomes: s?.outcomes ?? {} }]),
  );
}
