"use client";
import { useActionState, useState } from "react";
import { FormMessage } from "@/components/forms/form-message";
import { buttonStyles } from "@/components/ui/button-styles";
import { CopyButton } from "@/components/vms/copy-button";
import type { RevealPasswordState, VmSecretKind } from "@/lib/vms/reveal-password";

type Props = {
  vmId: string;
  user: string;
  action: (state: RevealPasswordState, formData: FormData) => Promise<RevealPasswordState>;
  /** Which password: the VM's login (default) or the EVE-NG web admin's. */
  kind?: VmSecretKind;
};

/** The password is fetched on click and kept in this component's memory only (I9). */
export function RevealPassword({ vmId, user, action, kind = "login" }: Props) {
  const [state, formAction, pending] = useActionState(action, { status: "idle" } as RevealPasswordState);
  const [hidden, setHidden] = useState(false);
  const password = !hidden && state.status === "success" ? state.password : undefined;
  return (
    <div className="space-y-2">
      <p className="text-sm text-ink-muted">
        {kind === "login" ? (
          <>
            Console and sudo password for <code className="font-mono">{user}</code> (SSH uses your keys).
          </>
        ) : (
          <>
            EVE-NG web login <code className="font-mono">{user}</code>: this VM&apos;s own password, set at its first boot (the image&apos;s default password
            does not work).
          </>
        )}
      </p>
      {state.status === "error" ? <FormMessage state={state} /> : null}
      {password ? (
        <div className="flex flex-wrap items-center gap-2">
          <code data-testid={kind === "login" ? "vm-password" : "eve-password"} className="rounded bg-surface-sunken px-2 py-1 font-mono text-sm">
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
          <input type="hidden" name="kind" value={kind} />
          <button type="submit" disabled={pending} className={buttonStyles.secondary}>
            {pending ? "Revealing…" : kind === "login" ? "Reveal password" : "Reveal EVE-NG password"}
          </button>
        </form>
      )}
    </div>
  );
}
