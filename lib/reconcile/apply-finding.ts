// Applying a finding's action in the `reconcile-apply` Inngest function (issue 22, Build 2): the
// operator's click only records the request (./request-apply-finding.ts, I2); here the finder
// re-reads what the finding is about and acts.
import { db } from "@/lib/db";
import { recordAudit } from "@/lib/audit/record-audit";
import { finderFor } from "@/lib/reconcile/finders";

/** The `reconcile-apply` function's work: the finder re-reads and acts, the result is recorded and audited. */
export async function applyFinding(findingId: string): Promise<string> {
  const finding = await db.reconcileFinding.findUniqueOrThrow({ where: { id: findingId } });
  if (finding.appliedAt) return finding.applyResult ?? "applied";
  const finder = finderFor(finding.kind);
  if (!finder) throw new Error(`no finder for ${finding.kind}`);
  const result = await finder.apply(
    { id: finding.id, kind: finding.kind, subject: finding.subject, evidence: finding.evidence },
    { adminId: finding.appliedBy ?? "" },
  );
  await db.reconcileFinding.updateMany({
    where: { id: finding.id, appliedAt: null },
    data: { appliedAt: new Date(), applyResult: result.slice(0, 1000), openKey: null, resolvedAt: new Date() },
  });
  await recordAudit(
    { type: "admin", id: finding.appliedBy },
    "reconcile.applied",
    { type: "reconcile_finding", id: finding.id },
    { kind: finding.kind, subject: finding.subject, result },
  );
  return result;
}
