// Disputes and early fraud warnings on an order (issue 25): the alert's facts (reason, amount,
// evidence due date, Stripe link) and, for an open fraud warning, the one action.
import { ConfirmActionButton } from "@/components/admin/confirm-action-button";
import type { FormState } from "@/lib/actions/form-state";
import { FRAUD_WARNING_ALERT, fraudWarningsOfOrder } from "@/lib/payment-risk/fraud-warning";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export async function PaymentRiskPanel({ orderId, refundAction }: { orderId: string; refundAction: Action }) {
  const incidents = await fraudWarningsOfOrder(orderId);
  if (incidents.length === 0) return null;
  return (
    <section aria-labelledby="risk-heading" className="space-y-2">
      <h2 id="risk-heading" className="text-lg font-semibold">
        Disputes and fraud warnings
      </h2>
      <ul className="space-y-2 text-sm">
        {incidents.map((i) => (
          <li key={i.id} data-testid="payment-risk" className="rounded-card border border-line bg-surface p-3">
            <p className="font-medium">
              {i.title} {i.resolvedAt ? "· resolved" : "· open"}
            </p>
            {i.detail ? <pre className="whitespace-pre-wrap text-xs">{i.detail}</pre> : null}
            {i.kind === FRAUD_WARNING_ALERT && !i.resolvedAt ? (
              <ConfirmActionButton
                label="Refund, cancel and stop"
                pendingLabel="Refunding…"
                confirmText="Refund this payment in full, cancel the subscription now and stop the VM? Money leaves the business; this cannot be undone."
                fields={{ warningId: i.subject }}
                action={refundAction}
                danger
                testId="refund-cancel-stop"
              />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
