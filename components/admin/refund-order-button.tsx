"use client";
import { useActionState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Props = {
  orderId: string;
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  confirmLabel?: string;
  label?: string;
};

/** "Cancel and refund" for a flagged order (or another refund, `label`): a confirmation box, then one click. */
export function RefundOrderButton({ orderId, action, confirmLabel = "Cancel the subscription and refund the payment", label = "Cancel and refund" }: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const error = state.fieldErrors?.confirm ?? state.fieldErrors?.orderId;
  return (
    <form action={formAction} className="space-y-1">
      <input type="hidden" name="orderId" value={orderId} />
      <label className="flex items-center gap-1.5 text-xs">
        <input type="checkbox" name="confirm" value="yes" aria-describedby={error ? `refund-error-${orderId}` : undefined} />
        {confirmLabel}
      </label>
      <button type="submit" disabled={pending || state.status === "success"} className={`${buttonStyles.secondary} px-3 py-1.5 text-xs`}>
        {pending ? "Refunding…" : label}
      </button>
      {state.message || error ? (
        <p id={`refund-error-${orderId}`} role="status" className={`text-xs ${state.status === "error" ? "text-danger-700" : "text-success-700"}`}>
          {error ?? state.message}
        </p>
      ) : null}
    </form>
  );
}
