"use client";
// The snapshot timeline: take a labelled snapshot (disk only, or with RAM where the plan allows),
// the list newest first, roll back (confirmed: the VM restarts as the snapshot was), delete.
import { buttonStyles } from "@/components/ui/button-styles";
import { formatShortMoment } from "@/lib/format/date";
import { ActionForm, FieldError, type LabAction } from "@/components/vms/lab/action-form";
import type { LabView } from "@/lib/vm-operations/lab-view";

type Props = { lab: LabView; requestKey: string; take: LabAction; rollback: LabAction; remove: LabAction };

const when = (iso: string | null) => (iso ? formatShortMoment(iso) : "being taken…");

export function SnapshotPanel({ lab, requestKey, take, rollback, remove }: Props) {
  const busy = lab.operation?.active ?? false;
  const kept = lab.snapshots.length;
  const full = kept >= lab.plan.snapshotLimit;
  const usable = lab.vm.status === "running" || lab.vm.status === "stopped";
  const blocked = !lab.gate.allowed;
  const hidden = { vmId: lab.vm.id, requestKey };
  return (
    <div className="space-y-6">
      <section aria-labelledby="take-heading" className="rounded-card border border-line bg-surface p-card">
        <h2 id="take-heading" className="text-lg font-semibold">
          Take a snapshot
        </h2>
        <p className="mt-1 text-sm text-ink-muted" data-testid="snapshot-count">
          {kept} of {lab.plan.snapshotLimit} snapshots kept on your plan.
        </p>
        <ActionForm action={take} hidden={hidden} className="mt-3 space-y-3" testId="take-snapshot">
          {(state, pending) => (
            <>
              <div className="space-y-1.5">
                <label htmlFor="label" className="block text-sm font-medium">
                  Label
                </label>
                <input
                  id="label"
                  name="label"
                  required
                  maxLength={60}
                  placeholder="before BGP"
                  defaultValue={state.values?.label}
                  aria-invalid={state.fieldErrors?.label ? true : undefined}
                  aria-describedby={state.fieldErrors?.label ? "label-error" : undefined}
                  className="block w-full rounded-lg border border-line-strong bg-surface px-3 py-2"
                />
                <FieldError state={state} name="label" />
              </div>
              <div className="space-y-1.5">
                <label htmlFor="description" className="block text-sm font-medium">
                  Description (optional)
                </label>
                <textarea
                  id="description"
                  name="description"
                  maxLength={500}
                  rows={2}
                  defaultValue={state.values?.description}
                  className="block w-full rounded-lg border border-line-strong bg-surface px-3 py-2"
                />
                <FieldError state={state} name="description" />
              </div>
              {lab.plan.snapshotWithRam ? (
                <label className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="withRam" /> Include the RAM (the VM resumes exactly where it was when you roll back)
                </label>
              ) : (
                <p className="text-sm text-ink-subtle">Disk-only snapshots: a rollback boots the VM from the snapshot&apos;s disk.</p>
              )}
              <FieldError state={state} name="withRam" />
              <button type="submit" className={buttonStyles.primary} disabled={pending || busy || !usable || blocked}>
                {pending ? "Asking…" : "Take snapshot"}
              </button>
              {full ? <p className="text-sm text-ink-subtle">Your plan&apos;s snapshot limit is reached: delete one to take another.</p> : null}
            </>
          )}
        </ActionForm>
      </section>

      <section aria-labelledby="timeline-heading" className="rounded-card border border-line bg-surface p-card">
        <h2 id="timeline-heading" className="text-lg font-semibold">
          Timeline
        </h2>
        {lab.snapshots.length === 0 ? <p className="mt-2 text-sm text-ink-muted">No snapshots yet.</p> : null}
        <ol className="mt-3 divide-y divide-line" data-testid="snapshot-list">
          {lab.snapshots.map((s) => (
            <li key={s.id} className="py-3" data-testid="snapshot" data-label={s.label} data-status={s.status}>
              <div className="flex flex-wrap items-baseline gap-x-3">
                <strong>{s.label}</strong>
                <span className="text-sm text-ink-muted">{when(s.takenAt)}</span>
                <span className="text-xs text-ink-subtle">{s.withRam ? "disk + RAM" : "disk only"}</span>
                {s.status === "deleting" ? <span className="text-xs text-ink-subtle">deleting…</span> : null}
              </div>
              {s.description ? <p className="mt-1 text-sm text-ink-muted">{s.description}</p> : null}
              {s.status === "ready" ? (
                <div className="mt-2 flex flex-wrap items-center gap-3">
                  <ActionForm action={rollback} hidden={{ ...hidden, snapshotId: s.id }} className="flex flex-wrap items-center gap-2">
                    {(state, pending) => (
                      <>
                        <label className="flex items-center gap-1 text-sm">
                          <input type="checkbox" name="confirm" aria-label={`Confirm roll back to ${s.label}`} /> Discard everything since, and restart as it
                          was
                        </label>
                        <button type="submit" className={buttonStyles.secondary} disabled={pending || busy || blocked}>
                          Roll back
                        </button>
                        <FieldError state={state} name="confirm" />
                      </>
                    )}
                  </ActionForm>
                  <ActionForm action={remove} hidden={{ ...hidden, snapshotId: s.id }} className="flex items-center">
                    {(_state, pending) => (
                      <button type="submit" className={buttonStyles.ghost} disabled={pending || busy || blocked} aria-label={`Delete snapshot ${s.label}`}>
                        Delete
                      </button>
                    )}
                  </ActionForm>
                </div>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
