"use client";
// Power buttons and the latest request's progress. While a request is pending or running it polls
// the owner-checked status route (our record, never Proxmox) and refreshes the page when it ends.
import { useActionState, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { FormMessage } from "@/components/forms/form-message";
import { buttonStyles } from "@/components/ui/button-styles";
import { VmStatusBadge } from "@/components/vms/vm-status-badge";
import { idleState, type FormState } from "@/lib/actions/form-state";
import type { PowerAction } from "@/lib/generated/prisma/client";
import type { VmStatusView } from "@/lib/vms/vm-view";

const BUTTONS: Array<{ action: PowerAction; label: string; style: string; confirm?: string }> = [
  { action: "start", label: "Start", style: buttonStyles.primary },
  { action: "shutdown", label: "Shut down", style: buttonStyles.secondary },
  { action: "reboot", label: "Reboot", style: buttonStyles.secondary },
  { action: "stop", label: "Hard stop", style: buttonStyles.danger, confirm: "Hard stop cuts the power: unsaved work inside the VM is lost. Continue?" },
];
const POLL_MS = 2000;

type Props = { vmId: string; initial: VmStatusView; action: (state: FormState, formData: FormData) => Promise<FormState> };

export function PowerPanel({ vmId, initial, action }: Props) {
  const router = useRouter();
  const [state, formAction, submitting] = useActionState(action, idleState);
  const [polled, setPolled] = useState<VmStatusView | null>(null);
  const view = polled ?? initial;
  const active = view.power?.active ?? false;

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    const timer = setInterval(async () => {
      const response = await fetch(`/api/vms/${encodeURIComponent(vmId)}/status`, { cache: "no-store" }).catch(() => null);
      if (stopped || !response?.ok) return;
      const next = (await response.json()) as VmStatusView;
      setPolled(next);
      if (!next.power?.active) router.refresh();
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [active, vmId, router]);

  return (
    <section aria-labelledby="power-heading" className="rounded-card border border-line bg-surface p-card">
      <div className="flex items-center justify-between gap-3">
        <h2 id="power-heading" className="text-lg font-semibold">
          Power
        </h2>
        <VmStatusBadge status={view.status} label={view.statusLabel} />
      </div>
      {view.power ? (
        <p
          role="status"
          data-testid="power-status"
          data-state={view.power.status}
          className={`mt-2 text-sm ${view.power.status === "failed" ? "text-danger-700" : "text-ink-muted"}`}
        >
          {view.power.message}
        </p>
      ) : null}
      <form action={formAction} className="mt-4 space-y-3">
        {state.status === "error" ? <FormMessage state={state} /> : null}
        {state.fieldErrors?.action ? <p className="text-sm text-danger-700">{state.fieldErrors.action}</p> : null}
        <input type="hidden" name="vmId" value={vmId} />
        <div className="flex flex-wrap gap-2">
          {BUTTONS.map((b) => {
            const disabled = submitting || active || !view.allowedActions.includes(b.action);
            return (
              <button
                key={b.action}
                type="submit"
                name="action"
                value={b.action}
                disabled={disabled}
                className={b.style}
                onClick={(event) => {
                  if (b.confirm && !window.confirm(b.confirm)) event.preventDefault();
                }}
              >
                {b.label}
              </button>
            );
          })}
        </div>
      </form>
    </section>
  );
}
