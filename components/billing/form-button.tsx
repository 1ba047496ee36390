"use client";
import { useActionState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";
import { ConfirmButton, type Confirmation } from "@/components/ui/confirm-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Props = {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  fields: Record<string, string>;
  label: string;
  pendingLabel?: string;
  variant?: keyof typeof buttonStyles;
  /** Extra inputs (e.g. a date for extend-grace). */
  children?: React.ReactNode;
  /** Ask first (components/ui/confirm-button.tsx): nothing is sent unless the dialog is confirmed. */
  confirm?: Confirmation;
};

/** One server action behind one button, with the action's message (or field error) under it. */
export function FormButton({ action, fields, label, pendingLabel = "Working…", variant = "secondary", children, confirm }: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const error = state.message ?? Object.values(state.fieldErrors ?? {})[0];
  return (
    <form action={formAction} className="space-y-1">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
      {confirm ? (
        <ConfirmButton label={pending ? pendingLabel : label} disabled={pending} className={`${buttonStyles[variant]} px-3 py-1.5 text-xs`} {...confirm} />
      ) : (
        <button type="submit" disabled={pending} className={`${buttonStyles[variant]} px-3 py-1.5 text-xs`}>
          {pending ? pendingLabel : label}
        </button>
      )}
      {error ? (
        <p role="status" className={`text-xs ${state.status === "error" ? "text-danger-700" : "text-success-700"}`}>
          {error}
        </p>
      ) : null}
    </form>
  );
}
