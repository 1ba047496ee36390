"use client";
// The last enrolment step: the first code turns two-factor on, and the answer carries the ten
// recovery codes, shown here once (only their hashes are kept).
import { useActionState } from "react";
import Link from "next/link";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export function ConfirmTwoFactorForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState);
  const codes = state.status === "success" ? (state.values?.recoveryCodes ?? "").split(" ").filter(Boolean) : [];
  if (codes.length) {
    return (
      <div className="space-y-4">
        <FormMessage state={state} />
        <p className="text-sm">Keep these recovery codes somewhere safe. Each one signs you in once if you lose your phone. They are shown only now.</p>
        <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-2 rounded-lg border border-line bg-surface-sunken p-4 font-mono text-sm">
          {codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <Link href="/account" className="font-medium text-brand-700 underline-offset-2 hover:underline">
          I have saved them: back to my account
        </Link>
      </div>
    );
  }
  return (
    <form action={formAction} noValidate className="space-y-4">
      <FormMessage state={state} />
      <Field name="code" label="Code from your app" autoComplete="one-time-code" state={state} />
      <SubmitButton pendingLabel="Checking…">Turn on two-factor sign-in</SubmitButton>
    </form>
  );
}
