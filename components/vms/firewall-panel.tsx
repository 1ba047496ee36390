"use client";
// The VM's firewall as its owner controls it (issue 26): which traffic from their other VMs may
// come in. Every change is recorded and carried out in the background; while it is, the page
// refreshes until it is in place. Nothing here reaches the hypervisor (I2, I4).
import { useActionState, useEffect } from "react";
import { useRouter } from "next/navigation";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { buttonStyles } from "@/components/ui/button-styles";
import { idleState, type FormState } from "@/lib/actions/form-state";
import type { FirewallPanel as Panel } from "@/lib/network/customer-rules";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;
const POLL_MS = 2000;
const PROTOCOLS = { tcp: "TCP", udp: "UDP", icmp: "ICMP (ping)" } as const;

export function FirewallPanel({ panel, add, remove, mode }: { panel: Panel; add: Action; remove: Action; mode: Action }) {
  const router = useRouter();
  const [modeState, modeAction] = useActionState(mode, idleState);
  const [addState, addAction] = useActionState(add, idleState);
  const [removeState, removeAction] = useActionState(remove, idleState);

  useEffect(() => {
    if (!panel.applying) return;
    const timer = setInterval(() => router.refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [panel.applying, router]);

  return (
    <section aria-labelledby="firewall-heading" className="space-y-4 rounded-card border border-line bg-surface p-card" data-testid="firewall-panel">
      <div className="flex items-center justify-between gap-3">
        <h2 id="firewall-heading" className="text-lg font-semibold">
          Firewall
        </h2>
        <p role="status" data-testid="firewall-status" data-state={panel.applying ? "applying" : "applied"} className="text-sm text-ink-muted">
          {panel.applying ? "Applying your change…" : "In place"}
        </p>
      </div>
      <p className="text-sm text-ink-muted">
        Your VM is on a network of its own with your other VMs. Nothing else can connect to it; it can reach the internet. SSH and the web UI through your
        tunnel are not affected by these rules.
      </p>
      <form action={modeAction} className="space-y-2" aria-label="What your other VMs may reach">
        <FormMessage state={modeState} />
        <input type="hidden" name="vmId" value={panel.vmId} />
        <fieldset className="space-y-1 text-sm" disabled={!panel.editable}>
          <legend className="font-medium">From my other VMs, allow</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name="allowAll" value="all" defaultChecked={panel.allowAllOwn} /> everything
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="allowAll" value="selected" defaultChecked={!panel.allowAllOwn} /> only the rules below
          </label>
        </fieldset>
        {modeState.fieldErrors?.allowAll ? <p className="text-sm text-danger-700">{modeState.fieldErrors.allowAll}</p> : null}
        <SubmitButton pendingLabel="Saving…" className="mt-1">
          Save
        </SubmitButton>
      </form>

      <div className="space-y-2">
        <h3 className="text-sm font-semibold">Rules</h3>
        {removeState.status === "error" ? <FormMessage state={removeState} /> : null}
        {panel.rules.length ? (
          <ul className="divide-y divide-line rounded-lg border border-line text-sm" data-testid="firewall-rules">
            {panel.rules.map((rule) => (
              <li key={rule.id} className="flex items-center justify-between gap-3 px-3 py-2" data-testid="firewall-rule">
                <span>
                  <span className="font-medium">{PROTOCOLS[rule.protocol]}</span>
                  {rule.ports ? <span className="font-mono"> {rule.ports}</span> : null}
                  {rule.comment ? <span className="text-ink-subtle"> · {rule.comment}</span> : null}
                </span>
                <form action={removeAction}>
                  <input type="hidden" name="vmId" value={panel.vmId} />
                  <input type="hidden" name="ruleId" value={rule.id} />
                  <button
                    type="submit"
                    className={buttonStyles.ghost}
                    disabled={!panel.editable}
                    aria-label={`Remove ${PROTOCOLS[rule.protocol]} ${rule.ports ?? ""}`}
                  >
                    Remove
                  </button>
                </form>
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-ink-subtle">No rules yet.</p>
        )}
        {panel.allowAllOwn && panel.rules.length ? <p className="text-xs text-ink-subtle">These apply once you choose “only the rules below”.</p> : null}
      </div>

      <form action={addAction} noValidate className="space-y-3" aria-label="Add a rule">
        <FormMessage state={addState} />
        <input type="hidden" name="vmId" value={panel.vmId} />
        <div className="grid gap-3 sm:grid-cols-3">
          <div className="space-y-1.5">
            <label htmlFor="fw-protocol" className="block text-sm font-medium text-ink">
              Protocol
            </label>
            <select
              id="fw-protocol"
              name="protocol"
              defaultValue={addState.values?.protocol ?? "tcp"}
              className="block w-full rounded-lg border border-line-strong bg-surface px-3 py-2 text-ink"
              aria-invalid={addState.fieldErrors?.protocol ? true : undefined}
            >
              {Object.entries(PROTOCOLS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <Field name="ports" id="fw-ports" label="Port or range" state={addState} required={false} hint="22, or 8000-8100 (none for ICMP)" />
          <Field name="comment" id="fw-comment" label="Note" state={addState} required={false} hint="Optional" />
        </div>
        <SubmitButton pendingLabel="Adding…">Add rule</SubmitButton>
      </form>
    </section>
  );
}
