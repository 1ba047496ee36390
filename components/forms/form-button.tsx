"use client";
// One server action behind one button (retry, refund, disable, cancel at period end, …): hidden
// fields, optional extra inputs, the button, and the action's message (or field error) under it.
// It can ask first, either in the page's own dialog (`confirm`, components/ui/confirm-button.tsx)
// or, on operator pages, with the browser's confirm() (`askFirst`, each text in turn).
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
  /** Extra inputs (e.g. a date for extend-grace, a confirmation box for a refund), given the answer. */
  children?: React.ReactNode | ((message: string | undefined) => React.ReactNode);
  /** Ask first in a dialog: nothing is sent unless the dialog is confirmed. */
  confirm?: Confirmation;
  /** Ask first with confirm(): every text must be accepted, Cancel changes nothing. */
  askFirst?: string[];
  /** Done once: the button stays disabled after the action succeeded. */
  once?: boolean;
  ariaLabel?: string;
  testId?: string;
  /** The message's element id, for an input that points at it (aria-describedby). */
  statusId?: string;
};

export function FormButton({
  action,
  fields,
  label,
  pendingLabel = "Working…",
  variant = "secondary",
  children,
  confirm,
  askFirst,
  once,
  ariaLabel,
  testId,
  statusId,
}: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const message = state.message ?? Object.values(state.fieldErrors ?? {})[0];
  const disabled = pending || (once === true && state.status === "success");
  const className = `${buttonStyles[variant]} px-3 py-1.5 text-xs`;
  return (
    <form
      action={formAction}
      onSubmit={askFirst ? (event) => askFirst.every((text) => window.confirm(text)) || event.preventDefault() : undefined}
      className="space-y-1"
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {typeof children === "function" ? children(message) : children}
      {confirm ? (
        <ConfirmButton
          label={pending ? pendingLabel : label}
          disabled={disabled}
          className={className}
          aria-label={ariaLabel}
          data-testid={testId}
          {...confirm}
        />
      ) : (
        <button type="submit" disabled={disabled} aria-label={ariaLabel} data-testid={testId} className={className}>
          {pending ? pendingLabel : label}
        </button>
      )}
      {message ? (
        <p id={statusId} role="status" className={`text-xs ${state.status === "error" ? "text-danger-700" : "text-success-700"}`}>
          {message}
        </p>
      ) : null}
    </form>
  );
}
