"use client";
import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { buttonStyles } from "@/components/ui/button-styles";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

function Button({ keyName }: { keyName: string }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} className={buttonStyles.ghost} aria-label={`Delete key ${keyName}`}>
      {pending ? "Deleting…" : "Delete"}
    </button>
  );
}

export function DeleteSshKeyButton({ action, keyId, keyName }: { action: Action; keyId: string; keyName: string }) {
  const [state, formAction] = useActionState(action, idleState);
  return (
    <form action={formAction}>
      <input type="hidden" name="id" value={keyId} />
      <Button keyName={keyName} />
      {state.status === "error" && state.message ? (
        <p role="alert" className="text-sm text-danger-700">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
