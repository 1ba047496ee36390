"use client";
import { useActionState } from "react";
import { idleState, type FormState } from "@/lib/actions/form-state";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";

type Totals = { vcpus: number; ramGb: number; diskGb: number };
type Action = (state: FormState, formData: FormData) => Promise<FormState>;

/** New totals → the price preview (the action redirects to the quote). */
export function ResizeForm({
  vm,
  base,
  max,
  diskStepGb,
  action,
}: {
  vm: Totals & { id: string };
  base: Totals;
  max: Totals;
  diskStepGb: number;
  action: Action;
}) {
  const initial: FormState = { ...idleState, values: { vcpus: String(vm.vcpus), ramGb: String(vm.ramGb), diskGb: String(vm.diskGb) } };
  const [state, formAction] = useActionState(action, initial);
  const shown = { ...state, values: state.values ?? initial.values };
  return (
    <form action={formAction} className="max-w-sm space-y-4" noValidate>
      <FormMessage state={state} />
      <input type="hidden" name="vmId" value={vm.id} />
      <Field name="vcpus" label="vCPUs" type="number" state={shown} hint={`${base.vcpus}–${max.vcpus}`} />
      <Field name="ramGb" label="RAM (GB)" type="number" state={shown} hint={`${base.ramGb}–${max.ramGb}`} />
      <Field
        name="diskGb"
        label="Disk (GB)"
        type="number"
        state={shown}
        hint={`${vm.diskGb}–${max.diskGb}, in steps of ${diskStepGb} GB; a disk cannot shrink`}
      />
      <SubmitButton pendingLabel="Pricing…">See the price</SubmitButton>
    </form>
  );
}

/** One button on a resize request: pay it (an upgrade), schedule it (a downgrade) or withdraw a scheduled one. */
export function ResizeRequestForm({
  vmId,
  resizeRequestId,
  action,
  label,
  pendingLabel,
}: {
  vmId: string;
  resizeRequestId: string;
  action: Action;
  label: string;
  pendingLabel: string;
}) {
  const [state, formAction] = useActionState(action, idleState);
  return (
    <form action={formAction} className="space-y-2">
      <FormMessage state={state} />
      <input type="hidden" name="vmId" value={vmId} />
      <input type="hidden" name="resizeRequestId" value={resizeRequestId} />
      <SubmitButton pendingLabel={pendingLabel}>{label}</SubmitButton>
    </form>
  );
}
