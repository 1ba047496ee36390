"use client";
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export function ChangePasswordForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState);
  return (
    <form action={formAction} noValidate className="space-y-4" aria-labelledby="password-heading">
      <h2 id="password-heading" className="text-lg font-semibold">
        Change password
      </h2>
      <p className="text-sm text-ink-muted">Every other browser signed in to this account is signed out.</p>
      <FormMessage state={state} />
      <Field name="currentPassword" label="Current password" type="password" autoComplete="current-password" state={state} />
      <Field name="newPassword" label="New password" type="password" autoComplete="new-password" hint="At least 10 characters." state={state} />
      <Field name="confirmPassword" label="New password, again" type="password" autoComplete="new-password" state={state} />
      <SubmitButton pendingLabel="Changing…">Change password</SubmitButton>
    </form>
  );
}
