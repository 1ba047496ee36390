import type { Metadata } from "next";
import { formatDay } from "@/lib/format/date";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { formatMoney } from "@/lib/format/money";
import { env } from "@/lib/env";
import { catalogueTaxNote } from "@/lib/billing/tax-display";
import { loadResizeConfirmationSecret, loadResizePage } from "@/lib/resize/resize-view";
import { ResizeForm, ResizeRequestForm } from "@/components/vms/resize-forms";
import { ConfirmResizePayment } from "@/components/vms/confirm-resize-payment";
import { FollowVmWork } from "@/components/vms/follow-vm-work";
import { loadVmWork } from "@/lib/work/vm-work";
import { cancelScheduledResizeFormAction, payResizeFormAction, quoteResizeFormAction, recheckResizePaymentFormAction } from "./actions";
import { isRouteId } from "@/lib/http/route-id";

export const metadata: Metadata = { title: "Resize VM" };
export const dynamic = "force-dynamic";

const size = (t: { vcpus: number; ramGb: number; diskGb: number }) => `${t.vcpus} vCPU · ${t.ramGb} GB RAM · ${t.diskGb} GB disk`;
const OPEN = new Set(["awaiting_payment", "paid", "applying", "failed"]);
// What needs the customer's attention; a withdrawn or finished change is only news.
const ALERT = new Set(["awaiting_payment", "failed", "expired"]);
// A renewal date in the customer's words; UTC, as Stripe bills.

export default async function ResizePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ quote?: string | string[] }> }) {
  const { id } = await params;
  const { quote: quoteParam } = await searchParams;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}/resize`);
  const quoteId = isRouteId(quoteParam) ? quoteParam : undefined;
  // Unknown id and someone else's VM look the same: 404 (I5).
  const page = isRouteId(id) ? await loadResizePage(user.id, id, quoteId) : null;
  if (!page) notFound();
  const { vm, plan, latest, quote } = page;
  const taxNote = catalogueTaxNote();
  const work = (await loadVmWork(user.id, vm.id))!;
  const open = latest && OPEN.has(latest.status) ? latest : null;
  const { STRIPE_PUBLISHABLE_KEY, STRIPE_JS_URL } = env();
  // 3-D Secure in this page when a publishable key is configured; the hosted invoice page always works.
  const clientSecret = latest?.status === "awaiting_payment" && STRIPE_PUBLISHABLE_KEY ? await loadResizeConfirmationSecret(user.id, latest.id) : null;
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-10">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href={`/vms/${vm.id}`} className="text-brand-700 hover:underline">
          {vm.name}
        </Link>{" "}
        <span aria-hidden>/</span> Resize
      </nav>
      <h1 className="text-2xl font-bold tracking-tight">Resize {vm.name}</h1>
      <FollowVmWork vmId={vm.id} initial={work} />
      <p className="text-sm" data-testid="current-size">
        Now: {size(vm)}. Plan {plan.name}: up to {size(plan.max)}.
      </p>

      {latest ? (
        <section aria-labelledby="latest-heading" className="rounded-card border border-line bg-surface p-card text-sm" data-testid="resize-status">
          <h2 id="latest-heading" className="text-lg font-semibold">
            Latest resize: <span data-testid="resize-status-label">{latest.statusLabel}</span>
          </h2>
          <p>
            {size(latest.from)} → {size(latest.to)}; new monthly price {formatMoney(latest.newMonthlyMinor, latest.currency)}.
          </p>
          {latest.progressStep ? <p>Now: {latest.progressStep}…</p> : null}
          {latest.status === "scheduled" && latest.effectiveAt ? (
            <>
              <p data-testid="resize-scheduled">
                Scheduled for <strong>{formatDay(latest.effectiveAt)}</strong>, your next renewal: from then you pay the new monthly price, and your VM restarts
                at the smaller size once that renewal is paid. Until then nothing changes.
              </p>
              <ResizeRequestForm
                vmId={vm.id}
                resizeRequestId={latest.id}
                action={cancelScheduledResizeFormAction}
                label="Cancel the scheduled change"
                pendingLabel="Canceling…"
              />
            </>
          ) : null}
          {latest.customerMessage ? (
            <p
              role={ALERT.has(latest.status) ? "alert" : "status"}
              className={`mt-2 ${ALERT.has(latest.status) ? "text-danger-700" : "text-ink"}`}
              data-testid="resize-message"
            >
              {latest.customerMessage}
            </p>
          ) : null}
          {latest && clientSecret && STRIPE_PUBLISHABLE_KEY ? (
            <ConfirmResizePayment
              vmId={vm.id}
              resizeRequestId={latest.id}
              clientSecret={clientSecret}
              publishableKey={STRIPE_PUBLISHABLE_KEY}
              stripeJsUrl={STRIPE_JS_URL}
              action={recheckResizePaymentFormAction}
            />
          ) : null}
          {latest.hostedInvoiceUrl ? (
            <p className="mt-2">
              <a href={latest.hostedInvoiceUrl} className="text-brand-700 underline" data-testid="pay-invoice" rel="noopener">
                Pay the invoice ({formatMoney(latest.amountDueMinor, latest.currency)})
              </a>{" "}
              — the resize applies as soon as it is paid.
            </p>
          ) : null}
        </section>
      ) : null}

      {page.refusal ? (
        <p className="rounded-card border border-warning-600/30 bg-warning-50 p-card text-sm text-warning-700">{page.refusal}</p>
      ) : open ? null : quote ? (
        <section aria-labelledby="quote-heading" className="space-y-3 rounded-card border border-line bg-surface p-card text-sm" data-testid="resize-quote">
          <h2 id="quote-heading" className="text-lg font-semibold">
            Confirm: {size(quote.to)}
          </h2>
          {quote.kind === "downgrade" && quote.effectiveAt ? (
            <>
              <p>
                Due now: <strong data-testid="amount-due">nothing</strong>. A smaller size takes effect at your next renewal, on{" "}
                <strong data-testid="effective-date">{formatDay(quote.effectiveAt)}</strong>; you keep the current size until then.
              </p>
              <p>
                New monthly price from then: <strong data-testid="new-monthly">{formatMoney(quote.newMonthlyMinor, quote.currency)}</strong>.
              </p>
              <p>Once that renewal is paid your VM shuts down and restarts at the new size. You can cancel the change until the renewal.</p>
            </>
          ) : (
            <>
              <p>
                Due now: <strong data-testid="amount-due">{formatMoney(quote.amountDueMinor, quote.currency)}</strong>
                {quote.taxMinor !== null ? (
                  <>
                    {" "}
                    (incl. <span data-testid="amount-tax">{formatMoney(quote.taxMinor, quote.currency)}</span> tax)
                  </>
                ) : null}{" "}
                (the rest of this billing period at the new size, less what is unused at the old one).
              </p>
              <p>
                New monthly price: <strong data-testid="new-monthly">{formatMoney(quote.newMonthlyMinor, quote.currency)}</strong>
                {quote.taxMinor !== null ? " excl. tax" : ""}.
              </p>
              <p>Your VM shuts down and restarts to apply the new size, once the payment is confirmed. Nothing changes if the payment does not go through.</p>
            </>
          )}
          <ResizeRequestForm
            vmId={vm.id}
            resizeRequestId={quote.id}
            action={payResizeFormAction}
            label={quote.kind === "downgrade" ? "Schedule this change" : "Pay and resize"}
            pendingLabel={quote.kind === "downgrade" ? "Scheduling…" : "Paying…"}
          />
          <Link href={`/vms/${vm.id}/resize`} className="text-brand-700 hover:underline">
            Choose another size
          </Link>
        </section>
      ) : (
        <section aria-labelledby="choose-heading" className="space-y-3 rounded-card border border-line bg-surface p-card text-sm">
          <h2 id="choose-heading" className="text-lg font-semibold">
            Choose new totals
          </h2>
          <ul className="text-ink-subtle">
            {page.prices.map((p) => (
              <li key={p.kind}>
                {p.kind === "vcpu"
                  ? "Each vCPU above the plan"
                  : p.kind === "ram_gb"
                    ? "Each GB of RAM above the plan"
                    : `Each ${p.stepGb} GB of disk above the plan`}
                : {formatMoney(p.unitAmountMinor, plan.currency)}/month
              </li>
            ))}
          </ul>
          {taxNote ? <p data-testid="tax-note">{taxNote}</p> : null}
          <p>
            More CPU, RAM or disk applies now, once paid; less CPU or RAM takes effect at your next renewal. The disk can only grow, in steps of{" "}
            {page.diskStepGb} GB.
          </p>
          <ResizeForm vm={vm} max={plan.max} base={plan.base} diskStepGb={page.diskStepGb} action={quoteResizeFormAction} />
        </section>
      )}
    </div>
  );
}
