// /admin's view of the webhook outbox and the sweeper (lib/admin/sweeper-activity.ts).
import type { SweepSummary, SweeperAction } from "@/lib/admin/sweeper-activity";

const sectionLabel: Record<string, string> = {
  awaitingPayment: "Orders awaiting payment",
  unprocessedEvents: "Unprocessed Stripe events",
  stalledProvisioning: "Stalled provisioning",
};

function outcomes(counts: Record<string, number>) {
  const parts = Object.entries(counts).map(([outcome, n]) => `${n} ${outcome}`);
  return parts.length ? parts.join(", ") : "nothing to do";
}

export function SweeperPanel({
  sweeps,
  actions,
  outbox,
}: {
  sweeps: SweepSummary[];
  actions: SweeperAction[];
  outbox: { waiting: number; failing: number; oldestReceivedAt: Date | null };
}) {
  const last = sweeps[0];
  return (
    <section aria-labelledby="sweeper-heading">
      <h2 id="sweeper-heading" className="text-lg font-semibold">
        Stripe sweeper
      </h2>
      <p className="mt-1 text-sm text-ink-subtle">
        Events waiting to be forwarded to Inngest: {outbox.waiting}
        {outbox.failing ? ` (${outbox.failing} failing, retried with backoff)` : ""}
        {outbox.oldestReceivedAt ? `, oldest received ${outbox.oldestReceivedAt.toISOString()}` : ""}.
      </p>
      {last ? (
        <div className="mt-3 rounded-card border border-line bg-surface p-4 text-sm">
          <p>
            Last sweep <time dateTime={last.at.toISOString()}>{last.at.toISOString()}</time>
          </p>
          <ul className="mt-2 space-y-1">
            {Object.entries(last.sections).map(([name, s]) => (
              <li key={name}>
                {sectionLabel[name] ?? name}: found {s.found}; {outcomes(s.outcomes)}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="mt-3 text-sm">No sweep has run yet.</p>
      )}
      <h3 className="mt-4 text-sm font-semibold">Recent sweeper changes</h3>
      {actions.length ? (
        <ul className="mt-1 space-y-1 text-sm">
          {actions.map((a, i) => (
            <li key={i}>
              <time dateTime={a.at.toISOString()}>{a.at.toISOString()}</time> {a.action} <span className="font-mono text-xs">{a.subject}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-1 text-sm">None.</p>
      )}
    </section>
  );
}
