"use client";
import { FormButton } from "@/components/forms/form-button";
import type { FormState } from "@/lib/actions/form-state";

type Props = { orderId: string; action: (state: FormState, formData: FormData) => Promise<FormState>; label?: string };

/** An operator's retry of an order: provisioning by default, or another retry (`label`) such as cleanup. */
export function RetryProvisioningButton({ orderId, action, label = "Retry provisioning" }: Props) {
  return <FormButton action={action} fields={{ orderId }} label={label} pendingLabel="Retrying…" once />;
}
