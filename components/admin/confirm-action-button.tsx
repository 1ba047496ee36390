"use client";
// An operator action that asks first and says what it does (issue 22, Build 1): the browser's
// confirm() with the consequences in plain words, then the server action; its answer is shown.
import { useActionState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Props = {
  label: string;
  pendingLabel: string;
  /** Shown before anything happens; Cancel changes nothing. */
  confirmText: string;
  fields: Record<string, string>;
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  danger?: boolean;
  testId?: string;
  /** A destructive action asks a second time, with this text. */
  secondConfirmText?: string;
};

export function ConfirmActionButton({ label, pendingLabel, confirmText, fields, action, danger, testId, secondConfirmText }: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form
      action={formAction}
      onSubmit={(event) => {
        if (!window.confirm(confirmText) || (secondConfirmText && !window.confirm(secondConfirmText))) event.preventDefault();
      }}
      className="space-y-1"
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button
        type="submit"
        data-testid={testId}
        disabled={pending || state.status === "success"}
        className={`${danger ? buttonStyles.danger : buttonStyles.secondary} px-3 py-1.5 text-xs`}
      >
        {pending ? pendingLabel : label}
      </button>
      {state.message || Object.keys(state.fieldErrors ?? {}).length ? (
        <p role="status" className={`text-xs ${state.status === "error" ? "text-danger-700" : "text-success-700"}`}>
          {state.message ?? Object.values(state.fieldErrors ?? {})[0]}
        </p>
      ) : null}
    </form>
  );
}
