"use client";
// Suspend a VM for abuse (issue 25, Build 3): a reason, the note the customer reads, and whether
// billing continues or its collection is paused; the server validates every field.
import { useActionState } from "react";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export function VmHoldForm({ vmId, action }: { vmId: string; action: Action }) {
  const [state, formAction] = useActionState(action, idleState);
  const error = (name: string) =>
    state.fieldErrors?.[name] ? (
      <p id={`hold-${name}-error`} className="text-xs text-danger-700">
        {state.fieldErrors[name]}
      </p>
    ) : null;
  return (
    <form action={formAction} noValidate className="space-y-3" data-testid="vm-hold-form">
      <FormMessage state={state} />
      <input type="hidden" name="vmId" value={vmId} />
      <div className="space-y-1">
        <label htmlFor="hold-reason" className="block text-sm font-medium">
          Reason
        </label>
        <select id="hold-reason" name="reason" defaultValue="abuse_report" className="rounded-lg border border-line-strong bg-surface px-2 py-1 text-sm">
          <option value="abuse_report">Abuse report</option>
          <option value="terms_violation">Terms violation</option>
        </select>
        {error("reason")}
      </div>
      <div className="space-y-1">
        <label htmlFor="hold-note" className="block text-sm font-medium">
          Note for the customer (shown on their VM page and in the email)
        </label>
        <textarea
          id="hold-note"
          name="customerNote"
          rows={3}
          maxLength={1000}
          aria-invalid={state.fieldErrors?.customerNote ? true : undefined}
          aria-describedby={state.fieldErrors?.customerNote ? "hold-customerNote-error" : undefined}
          className="block w-full rounded-lg border border-line-strong bg-surface px-3 py-2 text-sm"
        />
        {error("customerNote")}
      </div>
      <fieldset className="space-y-1 text-sm">
        <legend className="font-medium">Billing while suspended</legend>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="billing" value="continue" defaultChecked /> Continues
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="billing" value="pause" /> Paused (Stripe pause_collection: renewals are voided)
        </label>
        {error("billing")}
      </fieldset>
      <SubmitButton pendingLabel="Suspending…">Suspend for abuse</SubmitButton>
    </form>
  );
}
