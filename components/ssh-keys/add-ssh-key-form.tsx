"use client";
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { PublicKeyField } from "@/components/ssh-keys/public-key-field";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export function AddSshKeyForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState);
  return (
    <form action={formAction} noValidate className="space-y-4" aria-labelledby="add-key-heading">
      <h2 id="add-key-heading" className="text-lg font-semibold">
        Add a key
      </h2>
      <FormMessage state={state} />
      <Field name="name" label="Name" hint="So you can tell your keys apart, e.g. “work laptop”." state={state} />
      <PublicKeyField name="publicKey" label="Public key" state={state} />
      <SubmitButton pendingLabel="Saving…">Save key</SubmitButton>
    </form>
  );
}
