import Link from "next/link";
import { buttonStyles } from "@/components/ui/button-styles";
import { formatDay } from "@/lib/format/date";
import { formatMoney } from "@/lib/format/money";
import { loadMoneyOwed } from "@/lib/billing-state/money-owed";

/**
 * While a payment is overdue: how much, what happens next and when, and a Pay button to Stripe's
 * hosted invoice (the Billing page when Stripe could not be asked). On the dashboard for every
 * overdue VM; on a VM's page for that VM only (I12).
 */
export async function MoneyOwedBanner({ userId, vmId, className = "" }: { userId: string; vmId?: string; className?: string }) {
  const owed = await loadMoneyOwed(userId, { vmId });
  if (!owed.length) return null;
  return (
    <div className={`space-y-3 ${className}`}>
      {owed.map((o) => {
        const amount = o.amountMinor !== null && o.currency ? formatMoney(o.amountMinor, o.currency) : null;
        return (
          <section
            key={o.subscriptionId}
            aria-label="Payment overdue"
            data-testid="money-owed"
            className="flex flex-col gap-3 rounded-card border border-warning-600/40 bg-warning-50 p-card text-sm sm:flex-row sm:items-center sm:justify-between"
          >
            <div className="min-w-0 space-y-1">
              <p className="font-semibold text-warning-700">
                Payment overdue{o.vm && !vmId ? ` for ${o.vm.name}` : ""}
                {amount ? (
                  <>
                    : <span data-testid="money-owed-amount">{amount}</span>
                  </>
                ) : null}
              </p>
              {o.nextStep ? (
                <p className="text-ink">
                  Next, unless it is paid: {o.nextStep.step.charAt(0).toLowerCase() + o.nextStep.step.slice(1)} on{" "}
                  <time dateTime={o.nextStep.at.toISOString()} data-testid="money-owed-next">
                    {formatDay(o.nextStep.at)}
                  </time>
                  .
                </p>
              ) : null}
            </div>
            {o.payUrl ? (
              <a href={o.payUrl} className={`${buttonStyles.primary} shrink-0`} data-testid="pay-overdue">
                Pay {amount ?? "now"}
              </a>
            ) : (
              <Link href="/billing" className={`${buttonStyles.primary} shrink-0`} data-testid="pay-overdue">
                Pay on the Billing page
              </Link>
            )}
          </section>
        );
      })}
    </div>
  );
}
