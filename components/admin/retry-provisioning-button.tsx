"use client";
import { useActionState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Props = { orderId: string; action: (state: FormState, formData: FormData) => Promise<FormState>; label?: string };

/** An operator's retry of an order: provisioning by default, or another retry (`label`) such as cleanup. */
export function RetryProvisioningButton({ orderId, action, label = "Retry provisioning" }: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className="space-y-1">
      <input type="hidden" name="orderId" value={orderId} />
      <button type="submit" disabled={pending || state.status === "success"} className={`${buttonStyles.secondary} px-3 py-1.5 text-xs`}>
        {pending ? "Retrying…" : label}
      </button>
      {state.message || state.fieldErrors?.orderId ? (
        <p role="status" className={`text-xs ${state.status === "error" ? "text-danger-700" : "text-success-700"}`}>
          {state.message ?? state.fieldErrors?.orderId}
        </p>
      ) : null}
    </form>
  );
}
