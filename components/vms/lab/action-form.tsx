"use client";
// One small form for a lab action: hidden ids (the VM, the form's one-time request key), the
// fields given as children, the action's answer above them (field errors beside their fields).
import { useActionState } from "react";
import { FormMessage } from "@/components/forms/form-message";
import { idleState, type FormState } from "@/lib/actions/form-state";

export type LabAction = (state: FormState, formData: FormData) => Promise<FormState>;

export function ActionForm({
  action,
  hidden,
  children,
  className = "space-y-3",
  testId,
}: {
  action: LabAction;
  hidden: Record<string, string>;
  children: (state: FormState, pending: boolean) => React.ReactNode;
  className?: string;
  testId?: string;
}) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className={className} data-testid={testId}>
      <FormMessage state={state} />
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children(state, pending)}
    </form>
  );
}

export function FieldError({ state, name }: { state: FormState; name: string }) {
  const error = state.fieldErrors?.[name];
  return error ? (
    <p id={`${name}-error`} className="text-sm text-danger-700">
      {error}
    </p>
  ) : null;
}
