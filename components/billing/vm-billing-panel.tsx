import Link from "next/link";
import type { FormState } from "@/lib/actions/form-state";
import type { loadVmBilling } from "@/lib/billing-state/customer-billing";
import { FormButton } from "@/components/billing/form-button";
import { cancelConfirmation } from "@/lib/billing-state/cancel-words";
import { VmRenewal } from "@/components/billing/vm-renewal";

type Props = {
  billing: NonNullable<Awaited<ReturnType<typeof loadVmBilling>>>;
  cancelAction: (state: FormState, formData: FormData) => Promise<FormState>;
};

const SUSPENDED = new Set(["suspended", "retained", "pending_deletion"]);

/** Billing on the VM page: a suspended VM says so (never "broken"), and cancel / undo lives here. */
export function VmBillingPanel({ billing, cancelAction }: Props) {
  const suspended = SUSPENDED.has(billing.state);
  return (
    <section
      aria-label="Billing"
      data-testid="vm-billing"
      data-state={billing.state}
      className={`rounded-card border p-card text-sm ${suspended ? "border-warning-600/40 bg-warning-50" : "border-line bg-surface"}`}
    >
      <p className="font-medium">{billing.label}</p>
      <VmRenewal subscriptionId={billing.subscriptionId} />
      {suspended ? <p>This VM is stopped because an invoice is unpaid. Your data is kept. Pay the invoice and access is restored at once.</p> : null}
      <div className="mt-2 flex flex-wrap items-center gap-3">
        <Link href="/billing" className="text-brand-700 hover:underline">
          Billing and invoices
        </Link>
        {!billing.ended && (billing.state === "active" || billing.state === "canceled_at_period_end") ? (
          <FormButton
            action={cancelAction}
            fields={{ subscriptionId: billing.subscriptionId, cancel: billing.cancelAtPeriodEnd ? "0" : "1" }}
            label={billing.cancelAtPeriodEnd ? "Undo cancellation" : "Cancel at period end"}
            variant="ghost"
            confirm={billing.cancelAtPeriodEnd ? undefined : cancelConfirmation(billing.periodEnd)}
          />
        ) : null}
      </div>
    </section>
  );
}
