"use client";
import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { buttonStyles } from "@/components/ui/button-styles";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

function Button({ keyName, fingerprint }: { keyName: string; fingerprint: string }) {
  const { pending } = useFormStatus();
  return (
    <ConfirmButton
      label={pending ? "Deleting…" : "Delete"}
      className={buttonStyles.ghost}
      disabled={pending}
      aria-label={`Delete key ${keyName}`}
      title={`Delete the key “${keyName}”?`}
      body={
        <>
          <p>
            It is removed from your saved keys (<span className="break-all font-mono text-xs">{fingerprint}</span>), so new VMs no longer get it.
          </p>
          <p>VMs that already have it keep it: remove it from ~/.ssh/authorized_keys inside each VM to shut it out there.</p>
        </>
      }
      confirmLabel="Delete key"
      tone="danger"
    />
  );
}

export function DeleteSshKeyButton({ action, keyId, keyName, fingerprint }: { action: Action; keyId: string; keyName: string; fingerprint: string }) {
  const [state, formAction] = useActionState(action, idleState);
  return (
    <form action={formAction}>
      <input type="hidden" name="id" value={keyId} />
      <Button keyName={keyName} fingerprint={fingerprint} />
      {state.status === "error" && state.message ? (
        <p role="alert" className="text-sm text-danger-700">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
