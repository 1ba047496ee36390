"use client";
// Power buttons and the latest request's progress. While a request is pending or running the panel
// follows it (useFollow on the owner-checked status route: our record, never Proxmox) and
// refreshes the page when it ends. Shut down, reboot and hard stop ask first; a finished
// request's message clears by itself (a failure stays until dismissed, or ten minutes).
import { useActionState, useEffect, useState } from "react";
import { FormMessage } from "@/components/forms/form-message";
import { buttonStyles } from "@/components/ui/button-styles";
import { ConfirmButton, type Confirmation } from "@/components/ui/confirm-button";
import { useFollow } from "@/components/ui/use-follow";
import { VmStatusBadge } from "@/components/vms/vm-status-badge";
import { idleState, type FormState } from "@/lib/actions/form-state";
import type { PowerAction } from "@/lib/generated/prisma/client";
import type { VmStatusView } from "@/lib/vms/vm-view";

const ASK: Partial<Record<PowerAction, Confirmation>> = {
  shutdown: {
    title: "Shut down this VM?",
    body: "The system inside is asked to shut down cleanly. SSH, the console and your lab stop until you start the VM again. Billing continues.",
    confirmLabel: "Shut down",
  },
  reboot: {
    title: "Reboot this VM?",
    body: "The system inside restarts: SSH sessions and running labs are interrupted for a minute or two.",
    confirmLabel: "Reboot",
  },
  stop: {
    title: "Hard stop this VM?",
    body: "Hard stop cuts the power at once, like pulling the plug: anything not saved inside the VM is lost. Use Shut down when you can.",
    confirmLabel: "Hard stop",
    tone: "danger",
  },
};
const BUTTONS: Array<{ action: PowerAction; label: string; style: string }> = [
  { action: "start", label: "Start", style: buttonStyles.primary },
  { action: "shutdown", label: "Shut down", style: buttonStyles.secondary },
  { action: "reboot", label: "Reboot", style: buttonStyles.secondary },
  { action: "stop", label: "Hard stop", style: buttonStyles.danger },
];
/** How long a finished request's message stays after the page saw it finish. */
const DONE_MESSAGE_MS = 8_000;
const FAILURE_SHOWN_MS = 10 * 60_000;

type Props = { vmId: string; initial: VmStatusView; action: (state: FormState, formData: FormData) => Promise<FormState> };

export function PowerPanel({ vmId, initial, action }: Props) {
  const [state, formAction, submitting] = useActionState(action, idleState);
  const { view } = useFollow(`/api/vms/${encodeURIComponent(vmId)}/status`, initial, {
    isActive: (v) => v.power?.active ?? false,
    changeKey: (v) => `${v.status}:${v.power?.id ?? ""}:${v.power?.status ?? ""}`,
  });
  const power = view.power;
  const active = power?.active ?? false;
  // A request this page watched finish shows its outcome; one that finished before the page was
  // opened shows only a recent failure. Either way it goes away.
  const [watched, setWatched] = useState<string | null>(initial.power?.active ? initial.power.id : null);
  if (power?.active && watched !== power.id) setWatched(power.id);
  const [recentFailure] = useState(() => {
    const p = initial.power;
    return p?.status === "failed" && !!p.finishedAt && Date.now() - Date.parse(p.finishedAt) < FAILURE_SHOWN_MS ? p.id : null;
  });
  const [hidden, setHidden] = useState<string | null>(null);
  const doneId = power && watched === power.id && power.status === "done" ? power.id : null;
  useEffect(() => {
    if (!doneId) return;
    const timer = setTimeout(() => setHidden(doneId), DONE_MESSAGE_MS);
    return () => clearTimeout(timer);
  }, [doneId]);
  const showMessage = !!power && hidden !== power.id && (power.active || watched === power.id || recentFailure === power.id);

  return (
    <section aria-labelledby="power-heading" className="rounded-card border border-line bg-surface p-card">
      <div className="flex items-center justify-between gap-3">
        <h2 id="power-heading" className="text-lg font-semibold">
          Power
        </h2>
        <VmStatusBadge status={view.status} label={view.statusLabel} />
      </div>
      <div role="status" aria-live="polite">
        {showMessage && power ? (
          <p
            data-testid="power-status"
            data-state={power.status}
            className={`mt-2 flex flex-wrap items-center gap-2 text-sm ${power.status === "failed" ? "text-danger-700" : "text-ink-muted"}`}
          >
            {power.message}
            {power.status === "failed" ? (
              <button type="button" className="text-brand-700 underline" onClick={() => setHidden(power.id)}>
                Dismiss
              </button>
            ) : null}
          </p>
        ) : null}
      </div>
      <form action={formAction} className="mt-4 space-y-3">
        {state.status === "error" ? <FormMessage state={state} /> : null}
        {state.fieldErrors?.action ? <p className="text-sm text-danger-700">{state.fieldErrors.action}</p> : null}
        <input type="hidden" name="vmId" value={vmId} />
        <div className="flex flex-wrap gap-2">
          {BUTTONS.map((b) => {
            const disabled = submitting || active || !view.allowedActions.includes(b.action);
            const ask = ASK[b.action];
            return ask ? (
              <ConfirmButton key={b.action} label={b.label} className={b.style} disabled={disabled} name="action" value={b.action} {...ask} />
            ) : (
              <button key={b.action} type="submit" name="action" value={b.action} disabled={disabled} className={b.style}>
                {b.label}
              </button>
            );
          })}
        </div>
      </form>
    </section>
  );
}
