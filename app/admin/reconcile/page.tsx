import type { Metadata } from "next";
import { isoMinute } from "@/lib/format/date";
import { requireAdmin } from "@/lib/auth/session";
import { listOpenFindings, listRecentlyClosedFindings } from "@/lib/reconcile/list-findings";
import { tableFrame, td, th } from "@/components/ui/table-styles";
import { ConfirmActionButton } from "@/components/admin/confirm-action-button";
import { applyFindingAction, runReconciliationAction } from "./actions";

export const metadata: Metadata = { title: "Reconcile · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminReconcilePage() {
  await requireAdmin("/admin/reconcile");
  const [open, closed] = await Promise.all([listOpenFindings(), listRecentlyClosedFindings()]);
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-8">
      <h1 className="text-2xl font-bold tracking-tight">Reconcile</h1>
      <p className="text-sm text-ink-muted">
        Our records against Proxmox (every node), Cloudflare and Stripe, on a schedule and on demand. Each finding proposes one action; nothing is applied
        without you, and destructive actions ask twice.
      </p>
      <ConfirmActionButton
        label="Run a reconciliation now"
        pendingLabel="Starting…"
        confirmText="Compare our records with Proxmox, Cloudflare and Stripe now? It only reads; nothing is changed."
        fields={{}}
        action={runReconciliationAction}
        testId="run-reconcile"
      />
      <div className={tableFrame}>
        <table className="min-w-full divide-y divide-line">
          <thead>
            <tr>
              <th className={th}>Finding</th>
              <th className={th}>Evidence</th>
              <th className={th}>First seen</th>
              <th className={th}>Proposed action</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {open.map((f) => (
              <tr key={f.id} data-testid="finding" data-kind={f.kind}>
                <td className={td}>
                  <span className="font-medium">{f.summary}</span>
                  <div className="font-mono text-xs text-ink-subtle">{f.kind}</div>
                </td>
                <td className={`${td} font-mono text-xs`}>
                  <pre className="whitespace-pre-wrap">{JSON.stringify(f.evidence, null, 1)}</pre>
                </td>
                <td className={td}>
                  <time dateTime={f.firstSeenAt.toISOString()}>{isoMinute(f.firstSeenAt)}</time>
                  <div className="text-xs text-ink-subtle">last {isoMinute(f.lastSeenAt)}</div>
                </td>
                <td className={td}>
                  {f.applyRequestedAt ? (
                    <span>Requested {isoMinute(f.applyRequestedAt)}…</span>
                  ) : f.destructive ? (
                    <ConfirmActionButton
                      label={`${f.action} (destructive)`}
                      pendingLabel="Queuing…"
                      confirmText={`${f.action}? This is destructive and cannot be undone. Confirm again to go ahead.`}
                      fields={{ findingId: f.id, confirmDestructive: "yes" }}
                      action={applyFindingAction}
                      danger
                      secondConfirmText={`Really ${f.action.toLowerCase()}? (${f.summary})`}
                    />
                  ) : (
                    <ConfirmActionButton
                      label={f.action}
                      pendingLabel="Queuing…"
                      confirmText={`${f.action}? (${f.summary})`}
                      fields={{ findingId: f.id }}
                      action={applyFindingAction}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {open.length === 0 ? <p className="p-card text-center text-sm text-ink-muted">No open findings.</p> : null}
      </div>
      <h2 className="text-lg font-semibold">Recently closed</h2>
      <ul className="space-y-1 text-sm">
        {closed.map((f) => (
          <li key={f.id} data-testid="closed-finding">
            {isoMinute(f.resolvedAt)} · {f.summary} · {f.appliedAt ? `applied: ${f.applyResult ?? ""}` : "no longer seen"}
          </li>
        ))}
      </ul>
    </div>
  );
}
