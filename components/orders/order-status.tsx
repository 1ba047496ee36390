"use client";
import { useFollow } from "@/components/ui/use-follow";
import { WayForward } from "@/components/ui/way-forward";
import Link from "next/link";
import { buttonStyles } from "@/components/ui/button-styles";
import { formatMoney } from "@/lib/format/money";
import type { OrderView } from "@/lib/orders/order-view";
import type { FormState } from "@/lib/actions/form-state";
import { FormButton } from "@/components/forms/form-button";

type FormAction = (state: FormState, formData: FormData) => Promise<FormState>;
export type OrderActions = { complete: FormAction; cancel: FormAction };

/** The way on for an unpaid order: pay (the open checkout, or a new one) or cancel; never a dead end. */
function PaymentChoices({ view, actions }: { view: OrderView; actions: OrderActions }) {
  if (!view.actions.completePayment && !view.actions.cancel) return null;
  return (
    <div className="mt-4 flex flex-wrap items-start gap-3" data-testid="order-actions">
      {view.actions.completePayment ? (
        <FormButton action={actions.complete} fields={{ orderId: view.id }} label="Complete payment" pendingLabel="Opening checkout…" variant="primary" />
      ) : null}
      {view.actions.cancel ? (
        <FormButton action={actions.cancel} fields={{ orderId: view.id }} label="Cancel order" pendingLabel="Cancelling…" variant="ghost" />
      ) : null}
    </div>
  );
}

const POLL_MS = 1_500;

/** Follows the order's status route until the order reaches a state that will not change by itself. */
function useLiveOrder(initial: OrderView, stopped: boolean) {
  return useFollow(`/api/orders/${encodeURIComponent(initial.id)}/status`, initial, { isActive: (v) => !v.final && !stopped, intervalMs: POLL_MS });
}

function Spinner() {
  return <span aria-hidden className="inline-block size-4 animate-spin rounded-full border-2 border-brand-600 border-t-transparent" />;
}

function Stages({ stages, current }: { stages: readonly string[]; current: number }) {
  return (
    <ol className="mt-4 space-y-1.5 text-sm" aria-label="Build progress">
      {stages.map((label, i) => (
        <li
          key={label}
          className={`flex items-center gap-2 ${i < current ? "text-success-700" : i === current ? "font-semibold text-ink" : "text-ink-subtle"}`}
          aria-current={i === current ? "step" : undefined}
        >
          <span aria-hidden className="w-4 text-center">
            {i < current ? "✓" : i === current ? "›" : "·"}
          </span>
          {label}
        </li>
      ))}
    </ol>
  );
}

function StatusBody({ view, canceled, stages, actions }: { view: OrderView; canceled: boolean; stages: readonly string[]; actions: OrderActions }) {
  const again = (
    <Link href={`/checkout/${view.planSlug}`} className={`${buttonStyles.secondary} mt-4`}>
      Start a new order
    </Link>
  );
  // A flagged payment: held for an operator, whatever the checkout says.
  if ((view.status === "awaiting_payment" || view.status === "expired") && view.message) {
    return (
      <>
        <p className="font-semibold text-warning-700">We are checking your payment.</p>
        <p className="mt-1 text-sm text-ink-muted">{view.message}</p>
      </>
    );
  }
  switch (view.status) {
    case "awaiting_payment":
      return canceled ? (
        <>
          <p className="font-semibold">Checkout was cancelled; you have not been charged.</p>
          <p className="mt-1 text-sm text-ink-muted">You can still pay for this order, or cancel it.</p>
          <PaymentChoices view={view} actions={actions} />
        </>
      ) : (
        <>
          <p className="flex items-center gap-2 font-semibold">
            <Spinner /> Waiting for Stripe to confirm your payment…
          </p>
          <p className="mt-1 text-sm text-ink-muted">If your card was declined or you left the checkout, complete the payment or cancel the order.</p>
          <PaymentChoices view={view} actions={actions} />
        </>
      );
    case "paid":
      return (
        <p className="flex items-center gap-2 font-semibold">
          <Spinner /> Payment confirmed. Your VM is queued to be built…
        </p>
      );
    case "provisioning":
      return (
        <>
          <p className="flex items-center gap-2 font-semibold">
            <Spinner /> Building your VM: {stages[view.stage ?? 0]}…
          </p>
          <Stages stages={stages} current={view.stage ?? 0} />
        </>
      );
    case "provisioned":
      return (
        <>
          <p className="font-semibold text-success-700">Your VM is ready.</p>
          {view.vmId ? (
            <Link href={`/vms/${view.vmId}`} className={`${buttonStyles.primary} mt-4`}>
              Open your VM
            </Link>
          ) : null}
        </>
      );
    case "failed":
      return (
        <>
          <p className="font-semibold text-danger-700">We could not build your VM.</p>
          <p className="mt-1 text-sm text-ink-muted">{view.message}</p>
        </>
      );
    case "expired":
      return (
        <>
          <p className="font-semibold">This checkout ended without a payment; you have not been charged.</p>
          <PaymentChoices view={view} actions={actions} />
          {again}
        </>
      );
    case "canceled":
      return (
        <>
          <p className="font-semibold">This order was cancelled; you have not been charged.</p>
          {again}
        </>
      );
    case "refunded":
      return (
        <>
          <p className="font-semibold">This order was cancelled and refunded.</p>
          <p className="mt-1 text-sm text-ink-muted">{view.message}</p>
          {again}
        </>
      );
  }
}

type PanelProps = { initial: OrderView; canceled: boolean; stages: readonly string[]; actions: OrderActions };

export function OrderStatusPanel({ initial, canceled, stages, actions }: PanelProps) {
  // A cancelled visit stops polling: the session stays open in Stripe until it expires, but the
  // customer has left it, and a reload shows the latest state anyway.
  const { view, slow, gaveUp } = useLiveOrder(initial, canceled && initial.status === "awaiting_payment");
  return (
    <section
      aria-labelledby="order-heading"
      className="max-w-2xl rounded-card border border-line bg-surface p-card shadow-card"
      data-testid="order-status"
      data-status={view.status}
    >
      <h1 id="order-heading" className="text-2xl font-bold tracking-tight">
        Your {view.planName}
      </h1>
      <p className="mt-1 text-sm text-ink-muted">
        {view.hostname} · {formatMoney(view.amountMinor, view.currency)} / {view.interval}
      </p>
      <div className="mt-6" role="status" aria-live="polite">
        <StatusBody view={view} canceled={canceled} stages={stages} actions={actions} />
      </div>
      <div className="mt-4">
        <WayForward active={!view.final} slow={slow} gaveUp={gaveUp} />
      </div>
    </section>
  );
}
