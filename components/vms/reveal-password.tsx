"use client";
import { useActionState, useState } from "react";
import { FormMessage } from "@/components/forms/form-message";
import { buttonStyles } from "@/components/ui/button-styles";
import { CopyButton } from "@/components/vms/copy-button";
import type { RevealPasswordState } from "@/lib/vms/reveal-password";

type Props = { vmId: string; user: string; action: (state: RevealPasswordState, formData: FormData) => Promise<RevealPasswordState> };

/** The password is fetched on click and kept in this component's memory only (I9). */
export function RevealPassword({ vmId, user, action }: Props) {
  const [state, formAction, pending] = useActionState(action, { status: "idle" } as RevealPasswordState);
  const [hidden, setHidden] = useState(false);
  const password = !hidden && state.status === "success" ? state.password : undefined;
  return (
    <div className="space-y-2">
      <p className="text-sm text-ink-muted">
        Console and sudo password for <code className="font-mono">{user}</code> (SSH uses your keys).
      </p>
      {state.status === "error" ? <FormMessage state={state} /> : null}
      {password ? (
        <div className="flex flex-wrap items-center gap-2">
          <code data-testid="vm-password" className="rounded bg-surface-sunken px-2 py-1 font-mono text-sm">
            {password}
          </code>
          <CopyButton text={password} />
          <button type="button" className={`${buttonStyles.ghost} px-3 py-1.5 text-xs`} onClick={() => setHidden(true)}>
            Hide
          </button>
        </div>
      ) : (
        <form action={formAction} onSubmit={() => setHidden(false)}>
          <input type="hidden" name="vmId" value={vmId} />
          <button type="submit" disabled={pending} className={buttonStyles.secondary}>
            {pending ? "Revealing…" : "Reveal password"}
          </button>
        </form>
      )}
    </div>
  );
}
