"use client";
// Backups: the schedule (none, daily, weekly), "back up now", the list with date and size (no
// download), restore onto this VM (confirmed: it overwrites the VM and removes its snapshots).
import { buttonStyles } from "@/components/ui/button-styles";
import { formatShortMoment } from "@/lib/format/date";
import { ActionForm, FieldError, type LabAction } from "@/components/vms/lab/action-form";
import type { LabView } from "@/lib/vm-operations/lab-view";

type Props = { lab: LabView; requestKey: string; schedule: LabAction; backUpNow: LabAction; restore: LabAction };

const when = (iso: string | null) => (iso ? formatShortMoment(iso) : "in progress…");
function size(bytes: number | null): string {
  if (bytes === null) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) [value, unit] = [value / 1024, unit + 1];
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function BackupPanel({ lab, requestKey, schedule, backUpNow, restore }: Props) {
  const busy = lab.operation?.active ?? false;
  const usable = lab.vm.status === "running" || lab.vm.status === "stopped";
  const blocked = !lab.gate.allowed;
  const hidden = { vmId: lab.vm.id, requestKey };
  return (
    <div className="space-y-6">
      <section aria-labelledby="schedule-heading" className="rounded-card border border-line bg-surface p-card">
        <h2 id="schedule-heading" className="text-lg font-semibold">
          Schedule
        </h2>
        <p className="mt-1 text-sm text-ink-muted">
          Your plan keeps the newest {lab.plan.backupRetention} backups; older ones are removed as new ones are made.
        </p>
        <ActionForm action={schedule} hidden={{ vmId: lab.vm.id }} className="mt-3 flex flex-wrap items-end gap-3" testId="backup-schedule">
          {(state, pending) => (
            <>
              <div className="space-y-1.5">
                <label htmlFor="schedule" className="block text-sm font-medium">
                  Back up automatically
                </label>
                <select
                  id="schedule"
                  name="schedule"
                  defaultValue={lab.vm.backupSchedule}
                  className="rounded-lg border border-line-strong bg-surface px-3 py-2"
                >
                  <option value="none">Never</option>
                  <option value="daily">Daily</option>
                  <option value="weekly">Weekly</option>
                </select>
                <FieldError state={state} name="schedule" />
              </div>
              <button type="submit" className={buttonStyles.secondary} disabled={pending}>
                Save schedule
              </button>
            </>
          )}
        </ActionForm>
        <ActionForm action={backUpNow} hidden={hidden} className="mt-4">
          {(_state, pending) => (
            <button type="submit" className={buttonStyles.primary} disabled={pending || busy || !usable || blocked}>
              {pending ? "Asking…" : "Back up now"}
            </button>
          )}
        </ActionForm>
      </section>

      <section aria-labelledby="backups-heading" className="rounded-card border border-line bg-surface p-card">
        <h2 id="backups-heading" className="text-lg font-semibold">
          Backups
        </h2>
        {lab.backups.length === 0 ? <p className="mt-2 text-sm text-ink-muted">No backups yet.</p> : null}
        <ol className="mt-3 divide-y divide-line" data-testid="backup-list">
          {lab.backups.map((b) => (
            <li key={b.id} className="py-3" data-testid="backup" data-status={b.status} data-scheduled={b.scheduled ? "yes" : "no"}>
              <div className="flex flex-wrap items-baseline gap-x-3">
                <strong>{when(b.takenAt)}</strong>
                <span className="text-sm text-ink-muted" data-testid="backup-size">
                  {size(b.sizeBytes)}
                </span>
                <span className="text-xs text-ink-subtle">{b.scheduled ? "scheduled" : "on request"}</span>
              </div>
              {b.status === "ready" ? (
                <ActionForm action={restore} hidden={{ ...hidden, backupId: b.id }} className="mt-2 flex flex-wrap items-center gap-2">
                  {(state, pending) => (
                    <>
                      <label className="flex items-center gap-1 text-sm">
                        <input type="checkbox" name="confirm" aria-label="Confirm restore" /> Overwrite this VM (and remove its snapshots)
                      </label>
                      <button type="submit" className={buttonStyles.secondary} disabled={pending || busy || blocked}>
                        Restore
                      </button>
                      <FieldError state={state} name="confirm" />
                    </>
                  )}
                </ActionForm>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
