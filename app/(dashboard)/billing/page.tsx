import type { Metadata } from "next";
import { isoDay } from "@/lib/format/date";
import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { loadCustomerBilling } from "@/lib/billing-state/customer-billing";
import { formatMoney } from "@/lib/format/money";
import { buttonStyles } from "@/components/ui/button-styles";
import { FormButton } from "@/components/forms/form-button";
import { BillingTimeline } from "@/components/billing/billing-timeline";
import { cancelConfirmation } from "@/lib/billing-state/cancel-words";
import { cancelAtPeriodEndAction, updateCardAction } from "./actions";

export const metadata: Metadata = { title: "Billing" };

export default async function BillingPage() {
  const user = await requireUser("/billing");
  const subscriptions = await loadCustomerBilling(user.id);
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="text-2xl font-bold tracking-tight">Billing</h1>
        <FormButton action={updateCardAction} fields={{}} label="Update card" pendingLabel="Opening…" />
      </div>
      {subscriptions.length === 0 ? <p className="mt-6 text-sm text-ink-muted">No subscriptions yet.</p> : null}
      <ul className="mt-6 space-y-6">
        {subscriptions.map((s) => {
          // Amounts and dates are Stripe's (its upcoming invoice); a cancelled VM is never asked to pay.
          // Owed: open or uncollectible (still payable on its hosted page); the oldest says why it failed.
          const owedInvoices = s.payable ? s.invoices.filter((i) => i.owed) : [];
          const open = owedInvoices.find((i) => i.hostedUrl);
          const owed = owedInvoices.at(-1);
          return (
            <li
              key={s.id}
              data-testid="subscription"
              data-state={s.state}
              data-story={s.story}
              className="rounded-card border border-line bg-surface p-card shadow-card"
            >
              <div className="flex flex-wrap items-start justify-between gap-4">
                <div>
                  <h2 className="text-lg font-semibold">
                    {s.vm ? <Link href={`/vms/${s.vm.id}`}>{s.vm.name}</Link> : s.planName}{" "}
                    <span className="text-sm font-normal text-ink-muted">({s.planName})</span>
                  </h2>
                  <p data-testid="billing-state" className="text-sm">
                    {s.label}
                  </p>
                  {s.detail ? <p className="text-sm text-ink-muted">{s.detail}</p> : null}
                  <p data-testid="renewal" className="text-sm text-ink-muted">
                    {s.renewal
                      ? `Renews on ${isoDay(s.renewal.at)} for ${formatMoney(s.renewal.amountMinor, s.renewal.currency)}`
                      : s.cancelAtPeriodEnd && s.cancellable
                        ? "Does not renew"
                        : "Not renewing"}
                  </p>
                </div>
                <div className="flex flex-wrap gap-2">
                  {open ? (
                    <a href={open.hostedUrl!} className={`${buttonStyles.primary} px-3 py-1.5 text-xs`}>
                      Pay now {formatMoney(open.amountDueMinor, open.currency)}
                    </a>
                  ) : null}
                  {s.cancellable ? (
                    <FormButton
                      action={cancelAtPeriodEndAction}
                      fields={{ subscriptionId: s.id, cancel: s.cancelAtPeriodEnd ? "0" : "1" }}
                      label={s.cancelAtPeriodEnd ? "Undo cancellation" : "Cancel at period end"}
                      variant={s.cancelAtPeriodEnd ? "secondary" : "ghost"}
                      confirm={s.cancelAtPeriodEnd ? undefined : cancelConfirmation(s.renewal?.at ?? null)}
                    />
                  ) : null}
                </div>
              </div>
              {owed ? (
                <div data-testid="owed-invoice" className="mt-4 rounded-card border border-line p-3 text-sm">
                  {owed.paymentProblem ? (
                    <p>
                      The last payment did not go through: <span data-testid="payment-problem">{owed.paymentProblem}</span>
                    </p>
                  ) : null}
                  <p data-testid="payment-retry" className="text-ink-muted">
                    {owed.retryAt
                      ? `Stripe tries again on ${isoDay(owed.retryAt)}. Updating your card charges it at once.`
                      : "Stripe will not try this payment again by itself: update your card (it is charged at once) or pay now."}
                  </p>
                </div>
              ) : null}
              <BillingTimeline entries={s.timeline} />
              {s.invoices.length ? (
                <table className="mt-4 block w-full overflow-x-auto text-left text-sm sm:table">
                  <thead className="text-ink-muted">
                    <tr>
                      <th className="py-1">Invoice</th>
                      <th>Date</th>
                      <th>Amount</th>
                      <th>Status</th>
                      <th>PDF</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.invoices.map((i) => (
                      <tr key={i.id} className="border-t border-line" data-testid="invoice" data-status={i.status}>
                        <td className="py-1">{i.hostedUrl ? <a href={i.hostedUrl}>{i.number ?? "Invoice"}</a> : (i.number ?? "Draft")}</td>
                        <td>{isoDay(i.created)}</td>
                        <td>
                          {formatMoney(i.amountDueMinor, i.currency)}
                          {i.taxMinor !== null ? (
                            <span className="block text-xs text-ink-subtle" data-testid="invoice-tax">
                              incl. {formatMoney(i.taxMinor, i.currency)} tax (total {formatMoney(i.totalMinor, i.currency)})
                            </span>
                          ) : null}
                        </td>
                        <td>{i.refundedMinor > 0 ? `${i.status}: ${formatMoney(i.refundedMinor, i.currency)}` : i.status}</td>
                        <td>{i.pdfUrl ? <a href={i.pdfUrl}>PDF</a> : "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
