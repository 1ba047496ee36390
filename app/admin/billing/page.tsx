import type { Metadata } from "next";
import { isoDay, isoMinute } from "@/lib/format/date";
import { z } from "zod";
import { requireAdmin } from "@/lib/auth/session";
import { loadAdminBilling } from "@/lib/billing-state/admin-billing";
import { BILLING_STATES } from "@/lib/billing-state/billing-state";
import { billingStateLabel } from "@/lib/billing-state/billing-words";
import { parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { FormButton } from "@/components/forms/form-button";
import { BillingTimeline } from "@/components/billing/billing-timeline";
import { approveDeletionAction, attachTestClockAction, extendGraceAction } from "./actions";
import { isStripeTestMode, listRehearsals } from "@/lib/billing-state/billing-clock";

export const metadata: Metadata = { title: "Billing enforcement" };

const params = z.object({ state: z.enum(BILLING_STATES).optional().catch(undefined) });

export default async function AdminBillingPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  await requireAdmin("/admin/billing");
  const { state } = parseSearchParams(params, await searchParams);
  const { counts, rows } = await loadAdminBilling(state);
  const queue = rows.filter((r) => r.awaitingApproval);
  const rehearsals = isStripeTestMode() ? await listRehearsals() : null;
  return (
    <div className="space-y-8 py-6">
      {rehearsals ? (
        <section aria-label="Billing rehearsal" className="rounded-card border border-line p-card text-sm">
          <h2 className="text-lg font-semibold">Billing rehearsal (Stripe test mode)</h2>
          <p className="text-ink-muted">
            Put a new account on a Stripe test clock before its first checkout; then advance the clock in Stripe&apos;s Dashboard (Billing → Test clocks) and
            watch the ladder here, on the account&apos;s pages and in its email, on the clock&apos;s time. See the README.
          </p>
          <FormButton action={attachTestClockAction} fields={{}} label="Put on a test clock">
            <input
              name="email"
              type="email"
              required
              placeholder="account email"
              aria-label="Account email"
              className="mr-2 w-64 rounded border border-line px-1"
            />
          </FormButton>
          <ul className="mt-2 space-y-1" data-testid="rehearsals">
            {rehearsals.map((r) => (
              <li key={r.id}>
                {r.email} · test clock <code>{r.stripeTestClockId}</code> ·{" "}
                {r.clock ? `at ${isoMinute(r.clock.frozenTime)} UTC (${r.clock.status})` : "not read yet"}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <nav aria-label="By state" className="flex flex-wrap gap-2 text-sm">
        {BILLING_STATES.map((s) => (
          <a key={s} href={`/admin/billing?state=${s}`} className={s === state ? "font-semibold" : "text-ink-muted"}>
            {s} ({counts[s]})
          </a>
        ))}
      </nav>
      <section aria-label="Deletion approval queue">
        <h2 className="text-lg font-semibold">Deletion approval queue ({queue.length})</h2>
        {queue.length === 0 ? <p className="text-sm text-ink-muted">Nothing awaits approval.</p> : null}
        <ul className="mt-2 space-y-2">
          {queue.map((r) => (
            <li key={r.id} className="flex flex-wrap items-center gap-4 text-sm">
              <span>
                {r.email} · {r.vm?.name ?? "no VM"} · kept until {isoDay(r.retainUntil, "")}
              </span>
              <FormButton action={approveDeletionAction} fields={{ enforcementId: r.id }} label="Approve deletion" variant="danger">
                <label className="mr-2 text-xs">
                  <input type="checkbox" name="confirm" /> I confirm: delete this VM and its data
                </label>
              </FormButton>
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Subscriptions">
        <h2 className="text-lg font-semibold">{state ? billingStateLabel[state] : "Not active"}</h2>
        <ul className="mt-2 space-y-4">
          {rows.map((r) => (
            <li key={r.id} data-testid="billing-row" data-state={r.state} className="rounded-card border border-line p-card text-sm">
              <p className="font-medium">
                {r.email} · {r.vm ? `${r.vm.name} (${r.vm.status})` : "no VM"} · {r.state}
                {r.graceUntil ? ` · grace until ${isoMinute(r.graceUntil)}` : ""}
              </p>
              {r.lastError ? <p className="text-danger-700">Last enforcement failure: {r.lastError}</p> : null}
              <BillingTimeline entries={r.timeline} />
              {r.state !== "deleted" ? (
                <div className="mt-2">
                  <FormButton action={extendGraceAction} fields={{ enforcementId: r.id }} label="Extend grace">
                    <input
                      name="days"
                      type="number"
                      min={1}
                      max={60}
                      defaultValue={7}
                      className="mr-2 w-16 rounded border border-line px-1"
                      aria-label="Days"
                    />
                  </FormButton>
                </div>
              ) : null}
              <details className="mt-2">
                <summary>Audit trail ({r.audit.length})</summary>
                <ul className="text-xs text-ink-muted">
                  {r.audit.map((a) => (
                    <li key={a.id}>
                      {a.createdAt.toISOString()} {a.actorType} {a.action}
                    </li>
                  ))}
                </ul>
              </details>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
