"use client";
import { FormButton } from "@/components/forms/form-button";
import type { FormState } from "@/lib/actions/form-state";

type Props = {
  orderId: string;
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  confirmLabel?: string;
  label?: string;
};

/** "Cancel and refund" for a flagged order (or another refund, `label`): a confirmation box, then one click. */
export function RefundOrderButton({ orderId, action, confirmLabel = "Cancel the subscription and refund the payment", label = "Cancel and refund" }: Props) {
  const statusId = `refund-error-${orderId}`;
  return (
    <FormButton action={action} fields={{ orderId }} label={label} pendingLabel="Refunding…" statusId={statusId} once>
      {(message) => (
        <label className="flex items-center gap-1.5 text-xs">
          <input type="checkbox" name="confirm" value="yes" aria-describedby={message ? statusId : undefined} />
          {confirmLabel}
        </label>
      )}
    </FormButton>
  );
}
