"use client";
import { useActionState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Props = { orderId: string; action: (state: FormState, formData: FormData) => Promise<FormState> };

export function RetryProvisioningButton({ orderId, action }: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className="space-y-1">
      <input type="hidden" name="orderId" value={orderId} />
      <button type="submit" disabled={pending || state.status === "success"} className={`${buttonStyles.secondary} px-3 py-1.5 text-xs`}>
        {pending ? "Retrying…" : "Retry provisioning"}
      </button>
      {state.message || state.fieldErrors?.orderId ? (
        <p role="status" className={`text-xs ${state.status === "error" ? "text-danger-700" : "text-success-700"}`}>
          {state.message ?? state.fieldErrors?.orderId}
        </p>
      ) : null}
    </form>
  );
}
