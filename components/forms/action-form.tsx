"use client";
// A small form for one server action: fields, hidden values, one submit button, the shared
// message and field errors. For the account pages, whose forms differ only in their fields.
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;
export type FormField = { name: string; label: string; type?: string; autoComplete?: string; hint?: string };

type Props = {
  action: Action;
  fields?: FormField[];
  hidden?: Record<string, string>;
  submit: string;
  pending: string;
  /** Shown above the fields; gone once the action answered with success when `hideOnSuccess`. */
  children?: React.ReactNode;
  hideOnSuccess?: boolean;
  /** Element id prefix when one page holds several forms with the same field names. */
  idPrefix?: string;
};

export function ActionForm({ action, fields = [], hidden = {}, submit, pending, children, hideOnSuccess, idPrefix = "" }: Props) {
  const [state, formAction] = useActionState(action, idleState);
  if (hideOnSuccess && state.status === "success") return <FormMessage state={state} />;
  return (
    <form action={formAction} noValidate className="space-y-4">
      {children}
      <FormMessage state={state} />
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {fields.map((f) => (
        <Field key={f.name} id={`${idPrefix}${f.name}`} name={f.name} label={f.label} type={f.type} autoComplete={f.autoComplete} hint={f.hint} state={state} />
      ))}
      <SubmitButton pendingLabel={pending}>{submit}</SubmitButton>
    </form>
  );
}
