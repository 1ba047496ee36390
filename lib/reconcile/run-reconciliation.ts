// One reconciliation (issue 22, Build 2): observe the World once, let every finder look at it,
// and keep the findings: a new one is recorded with when it was first seen (and the operator is
// alerted once), one seen again is refreshed, one no longer seen is resolved. Nothing is applied
// here: applying is the operator's click (./request-apply-finding.ts), carried out by reconcile-apply (./apply-finding.ts).
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { raiseOperatorAlert, resolveOperatorIncident } from "@/lib/alerts/raise-operator-alert";
import { observeWorld } from "@/lib/reconcile/observe";
import { finders } from "@/lib/reconcile/finders";
import type { World } from "@/lib/reconcile/world";

export type ReconcileSummary = { found: number; opened: number; resolved: number; byKind: Record<string, number>; ms: number };

export async function runReconciliation(world?: World): Promise<ReconcileSummary> {
  const started = performance.now();
  const seen = world ?? (await observeWorld());
  const drafts = finders.flatMap((finder) => finder.find(seen).map((d) => ({ ...d, finder })));
  const keys = drafts.map((d) => `${d.finder.kind}:${d.subject}`);
  const openedByKind = new Map<string, Array<(typeof drafts)[number]>>();
  for (const d of drafts) {
    const openKey = `${d.finder.kind}:${d.subject}`;
    const [row] = await db.$queryRaw<Array<{ id: string; inserted: boolean }>>`
      INSERT INTO reconcile_findings (id, kind, subject, summary, evidence, action, destructive, open_key, first_seen_at, last_seen_at)
      VALUES (${`rf_${crypto.randomUUID()}`}, ${d.finder.kind}, ${d.subject}, ${d.summary}, ${JSON.stringify(d.evidence)}::jsonb, ${d.finder.action.label},
              ${d.finder.action.destructive}, ${openKey}, now(), now())
      ON CONFLICT (open_key) DO UPDATE SET last_seen_at = now(), summary = EXCLUDED.summary, evidence = EXCLUDED.evidence
      RETURNING id, (xmax = 0) AS inserted`;
    if (row.inserted) openedByKind.set(d.finder.kind, [...(openedByKind.get(d.finder.kind) ?? []), d]);
  }
  // One alert per kind of drift, not per finding: a first run on an installation with hundreds of
  // leftovers would otherwise send hundreds of emails (paced by Resend's 2 per second).
  for (const [kind, fresh] of openedByKind) {
    await raiseOperatorAlert({
      kind: "reconciliation_finding",
      subject: kind,
      title: `Drift: ${fresh.length === 1 ? fresh[0].summary : `${fresh.length} new findings of kind ${kind}`}`,
      detail: fresh
        .slice(0, 20)
        .map((d) => `${d.summary}\n${JSON.stringify(d.evidence)}`)
        .concat(fresh.length > 20 ? [`… and ${fresh.length - 20} more`] : [])
        .join("\n\n"),
      link: "/admin/reconcile",
    });
  }
  // Findings this run did not see any more are over (fixed by hand, applied, or gone by themselves).
  const gone = await db.reconcileFinding.findMany({
    where: { openKey: { not: null, ...(keys.length ? { notIn: keys } : {}) } },
    select: { id: true, openKey: true },
  });
  if (gone.length) {
    await db.reconcileFinding.updateMany({ where: { id: { in: gone.map((g) => g.id) } }, data: { openKey: null, resolvedAt: new Date() } });
  }
  // A kind's incident is over once none of its findings is open.
  const stillOpenKinds = new Set(drafts.map((d) => d.finder.kind));
  for (const finder of finders) if (!stillOpenKinds.has(finder.kind)) await resolveOperatorIncident("reconciliation_finding", finder.kind);
  const opened = [...openedByKind.values()].reduce((n, list) => n + list.length, 0);
  const byKind: Record<string, number> = {};
  for (const d of drafts) byKind[d.finder.kind] = (byKind[d.finder.kind] ?? 0) + 1;
  return { found: drafts.length, opened, resolved: gone.length, byKind, ms: Math.round(performance.now() - started) };
}

export { Prisma };
