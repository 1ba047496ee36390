import Link from "next/link";
import type { FormState } from "@/lib/actions/form-state";
import type { loadVmBilling } from "@/lib/billing-state/customer-billing";
import { FormButton } from "@/components/forms/form-button";
import { cancelConfirmation } from "@/lib/billing-state/cancel-words";
import { VmRenewal } from "@/components/billing/vm-renewal";

type FormAction = (state: FormState, formData: FormData) => Promise<FormState>;
type Props = {
  billing: NonNullable<Awaited<ReturnType<typeof loadVmBilling>>>;
  vmId: string;
  cancelAction: FormAction;
  restoreAction: FormAction;
};

const STOPPED = new Set(["suspended", "ended", "retained", "pending_deletion"]);

/**
 * Billing on the VM page, in the words of this VM's own story (I12): overdue (pay the invoice),
 * ended by its customer (data kept until a date, "Restore this VM"), or running as usual with
 * cancel / undo. Never "broken".
 */
export function VmBillingPanel({ billing, vmId, cancelAction, restoreAction }: Props) {
  const stopped = STOPPED.has(billing.state);
  const live = !billing.ended && (billing.state === "active" || billing.state === "canceled_at_period_end");
  return (
    <section
      aria-label="Billing"
      data-testid="vm-billing"
      data-state={billing.state}
      data-story={billing.story}
      className={`rounded-card border p-card text-sm ${stopped ? "border-warning-600/40 bg-warning-50" : "border-line bg-surface"}`}
    >
      <p className="font-medium" data-testid="vm-billing-label">
        {billing.label}
      </p>
      {billing.ended ? null : <VmRenewal subscriptionId={billing.subscriptionId} />}
      {billing.detail ? <p data-testid="vm-billing-detail">{billing.detail}</p> : null}
      <div className="mt-2 flex flex-wrap items-center gap-3">
        <Link href="/billing" className="text-brand-700 hover:underline">
          Billing and invoices
        </Link>
        {live ? (
          <FormButton
            action={cancelAction}
            fields={{ subscriptionId: billing.subscriptionId, cancel: billing.cancelAtPeriodEnd ? "0" : "1" }}
            label={billing.cancelAtPeriodEnd ? "Undo cancellation" : "Cancel at period end"}
            variant="ghost"
            confirm={billing.cancelAtPeriodEnd ? undefined : cancelConfirmation(billing.periodEnd)}
          />
        ) : null}
        {billing.canRestore ? (
          <FormButton action={restoreAction} fields={{ vmId }} label="Restore this VM" pendingLabel="Opening checkout…" variant="primary" />
        ) : null}
      </div>
    </section>
  );
}
