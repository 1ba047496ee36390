import type { TimelineEntry } from "@/lib/billing-state/ladder";
import { isoMinute } from "@/lib/format/date";

const when = (d: Date | null) => (d ? `${isoMinute(d)} UTC` : "—");

/** The enforcement ladder with dates: what happened, and what will happen unless the invoice is paid. */
export function BillingTimeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return null;
  return (
    <ol aria-label="Enforcement timeline" className="mt-3 space-y-1 border-l border-line pl-4 text-sm">
      {entries.map((e) => (
        <li key={e.step} data-done={e.done} className={e.done ? "text-ink" : "text-ink-muted"}>
          <span className="font-medium">{e.step}</span> {e.done ? "on" : "scheduled for"} {when(e.at)}
        </li>
      ))}
    </ol>
  );
}
