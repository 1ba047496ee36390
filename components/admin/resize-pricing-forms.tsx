"use client";
// /admin/pricing's forms: one per unit price and one per plan's maximums, each filled with what is stored.
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import type { FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export function ResourcePriceForm({ kind, label, amount, action }: { kind: string; label: string; amount: string; action: Action }) {
  const [state, formAction] = useActionState(action, { status: "idle", values: { amount } });
  const filled: FormState = { ...state, values: state.values ?? { amount } };
  return (
    <form action={formAction} noValidate className="flex flex-wrap items-end gap-3" aria-label={label} data-testid="resource-price-form" data-kind={kind}>
      <input type="hidden" name="kind" value={kind} />
      <div className="w-40">
        <Field name="amount" id={`amount-${kind}`} label={label} state={filled} hint="per month" />
      </div>
      <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
      <div className="basis-full">
        <FormMessage state={filled} />
      </div>
    </form>
  );
}

type PlanLimits = { id: string; name: string; maxVcpus: string; maxRamGb: string; maxDiskGb: string };

export function PlanLimitsForm({ plan, action }: { plan: PlanLimits; action: Action }) {
  const { id, name, ...values } = plan;
  const [state, formAction] = useActionState(action, { status: "idle", values });
  const filled: FormState = { ...state, values: state.values ?? values };
  return (
    <form action={formAction} noValidate className="space-y-2" aria-label={`Maximums of ${name}`} data-testid="plan-limits-form">
      <input type="hidden" name="planId" value={id} />
      <FormMessage state={filled} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field name="maxVcpus" id={`maxVcpus-${id}`} label="Most vCPUs" type="number" state={filled} />
        <Field name="maxRamGb" id={`maxRamGb-${id}`} label="Most RAM (GB)" type="number" state={filled} />
        <Field name="maxDiskGb" id={`maxDiskGb-${id}`} label="Most disk (GB)" type="number" state={filled} />
      </div>
      <SubmitButton pendingLabel="Saving…">Save {name}</SubmitButton>
    </form>
  );
}
