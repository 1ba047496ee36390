import type { Metadata } from "next";
import { isoSecond } from "@/lib/format/date";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireAdmin } from "@/lib/auth/session";
import { getOrderTimeline } from "@/lib/admin/order-timeline";
import { formatMoney } from "@/lib/format/money";
import { td } from "@/components/ui/table-styles";
import { DataTable, DetailSection, EventList } from "@/components/admin/detail-parts";
import { VmHoldsPanel } from "@/components/admin/vm-holds-panel";
import { liftVmHoldAction, refundCancelAndStopAction, suspendVmForAbuseAction } from "@/app/admin/vm-holds/actions";
import { PaymentRiskPanel } from "@/components/admin/payment-risk-panel";

export const metadata: Metadata = { title: "Order · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminOrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireAdmin(`/admin/orders/${id}`);
  const timeline = await getOrderTimeline(id);
  if (!timeline) notFound();
  const { order, vm, resizes, stripeEvents, audit, emails, runs, runsPage, stripeLinks, powerRequests } = timeline;
  return (
    <div className="mx-auto max-w-content space-y-8 px-gutter py-8">
      <header className="space-y-1">
        <h1 className="text-2xl font-bold tracking-tight">
          Order <span className="font-mono text-lg">{order.id}</span>
        </h1>
        <p className="text-sm text-ink-muted">
          <Link href={`/admin/customers/${order.user.id}`} className="text-brand-700 hover:underline">
            {order.user.email}
          </Link>{" "}
          · {order.plan.name} · {formatMoney(order.amountMinor, order.currency)}/{order.interval} · <span data-testid="order-status">{order.status}</span>
          {order.cleanupStatus ? ` · cleanup ${order.cleanupStatus.replace("_", " ")}` : ""}
        </p>
        <p className="text-sm">
          {stripeLinks.checkout ? (
            <a href={stripeLinks.checkout} target="_blank" rel="noreferrer" className="text-brand-700 hover:underline">
              Checkout session in Stripe
            </a>
          ) : null}
          {stripeLinks.subscription ? (
            <>
              {" · "}
              <a href={stripeLinks.subscription} target="_blank" rel="noreferrer" className="text-brand-700 hover:underline">
                Subscription in Stripe
              </a>
            </>
          ) : null}
        </p>
        {order.failureReason ? <pre className="whitespace-pre-wrap rounded bg-surface-sunken p-3 text-xs">{order.failureReason}</pre> : null}
        {vm ? (
          <p className="text-sm">
            VM <span className="font-medium">{vm.name}</span> ({vm.status}) on <span className="font-mono">{vm.nodeName ?? "—"}</span> as{" "}
            <span className="font-mono">{vm.vmid ?? "—"}</span>; tunnel <span className="font-mono">{vm.tunnelId ?? "—"}</span>, DNS{" "}
            <span className="font-mono">{[vm.sshDnsRecordId, vm.webDnsRecordId].filter(Boolean).join(", ") || "—"}</span>, snippet{" "}
            <span className="font-mono">{vm.snippetPath ?? "—"}</span>
          </p>
        ) : null}
      </header>

      <PaymentRiskPanel orderId={order.id} refundAction={refundCancelAndStopAction} />
      {vm ? <VmHoldsPanel vmId={vm.id} suspendAction={suspendVmForAbuseAction} liftAction={liftVmHoldAction} /> : null}

      <DetailSection id="stripe-heading" title="Stripe events">
        <DataTable columns={["Event", "Type", "Received", "Forwarded", "Processed"]}>
          {stripeEvents.map((e) => (
            <tr key={e.id} data-testid="timeline-stripe-event">
              <td className={`${td} font-mono text-xs`}>{e.id}</td>
              <td className={td}>{e.type}</td>
              <td className={td}>{isoSecond(e.receivedAt)}</td>
              <td className={td}>{e.forwardedAt ? isoSecond(e.forwardedAt) : e.forwardError ? `not yet (${e.forwardAttempts} tries)` : "not yet"}</td>
              <td className={td}>
                {e.status}
                {e.error ? `: ${e.error}` : ""}
              </td>
            </tr>
          ))}
        </DataTable>
      </DetailSection>

      <DetailSection
        id="runs-heading"
        title={
          <>
            Inngest runs{" "}
            {runsPage ? (
              <a href={runsPage} target="_blank" rel="noreferrer" className="text-sm font-normal text-brand-700 hover:underline" data-testid="runs-page">
                (open in the local Inngest page)
              </a>
            ) : null}
          </>
        }
      >
        {runs === null ? (
          <p className="text-sm text-ink-muted">Inngest could not be asked just now.</p>
        ) : runs.length === 0 ? (
          <p className="text-sm text-ink-muted">No runs found.</p>
        ) : (
          <ol className="mt-2 space-y-3">
            {runs.map((run) => (
              <li key={run.runId} data-testid="timeline-run" className="rounded-card border border-line bg-surface p-3 text-sm">
                <p>
                  <span className="font-medium">{run.functionId}</span> · {run.status} · started {isoSecond(run.startedAt)}
                  {run.endedAt ? `, ended ${isoSecond(run.endedAt)}` : ""} · event <span className="font-mono text-xs">{run.eventId}</span>
                  {run.link ? (
                    <>
                      {" · "}
                      <a href={run.link} target="_blank" rel="noreferrer" className="text-brand-700 hover:underline">
                        run {run.runId}
                      </a>
                    </>
                  ) : (
                    <span className="font-mono text-xs"> · run {run.runId}</span>
                  )}
                </p>
                {run.steps.length ? (
                  <ul className="mt-1 list-disc pl-5 text-xs">
                    {run.steps.map((s, i) => (
                      <li key={`${s.name}-${i}`}>
                        {s.name}: {s.status}
                        {s.error ? <span className="text-danger-700"> ({s.error})</span> : null}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </DetailSection>

      <DetailSection id="audit-heading" title="Audit trail (order, VM, subscription, resizes)">
        <EventList>
          {audit.map((a) => (
            <li key={a.id} data-testid="timeline-audit">
              <time dateTime={a.createdAt.toISOString()}>{isoSecond(a.createdAt)}</time> · {a.actorType}
              {a.actorId ? <span className="font-mono text-xs"> {a.actorId}</span> : null} · {a.action}
            </li>
          ))}
        </EventList>
      </DetailSection>

      <DetailSection id="power-heading" title="Power and resizes">
        <EventList>
          {powerRequests.map((p) => (
            <li key={p.id}>
              {isoSecond(p.createdAt)} · power {p.action} · {p.status}
              {p.error ? ` (${p.error})` : ""}
            </li>
          ))}
          {resizes.map((r) => (
            <li key={r.id}>
              {isoSecond(r.createdAt)} · resize {r.kind} to {r.vcpus} vCPU · {r.ramGb} GB · {r.diskGb} GB · {r.status}
              {r.failureReason ? ` (${r.failureReason})` : ""}
            </li>
          ))}
        </EventList>
      </DetailSection>

      <DetailSection id="emails-heading" title="Emails">
        <EventList empty={emails.length === 0}>
          {emails.map((e) => (
            <li key={e.key} data-testid="timeline-email">
              {isoSecond(e.createdAt)} · to {e.to} · “{e.subject}” · {e.status}
              {e.sentAt ? ` ${isoSecond(e.sentAt)}` : ""}
            </li>
          ))}
        </EventList>
      </DetailSection>
    </div>
  );
}
