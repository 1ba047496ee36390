import Link from "next/link";
import { formatMoment } from "@/lib/format/date";
import type { HistoryEntry } from "@/lib/vms/vm-history";
import { loadVmHistory } from "@/lib/vms/vm-history";

export function HistoryList({ entries }: { entries: HistoryEntry[] }) {
  if (!entries.length) return <p className="text-sm text-ink-muted">Nothing yet.</p>;
  return (
    <ol className="divide-y divide-line text-sm" data-testid="vm-history">
      {entries.map((e) => (
        <li key={e.id} className="flex flex-col gap-0.5 py-2 sm:flex-row sm:justify-between sm:gap-4" data-testid="history-entry">
          <span>{e.text}</span>
          <time dateTime={e.at} className="shrink-0 text-ink-muted">
            {formatMoment(e.at)}
          </time>
        </li>
      ))}
    </ol>
  );
}

const RECENT = 5;

/** The VM page's latest events, with a link to the whole history. */
export async function RecentVmHistory({ userId, vmId }: { userId: string; vmId: string }) {
  const page = await loadVmHistory(userId, vmId, 1);
  if (!page) return null;
  return (
    <section aria-labelledby="history-heading" className="rounded-card border border-line bg-surface p-card">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="history-heading" className="text-lg font-semibold">
          History
        </h2>
        {page.total > RECENT ? (
          <Link href={`/vms/${vmId}/history`} className="text-sm text-brand-700 hover:underline">
            Full history ({page.total})
          </Link>
        ) : null}
      </div>
      <div className="mt-2">
        <HistoryList entries={page.items.slice(0, RECENT)} />
      </div>
    </section>
  );
}
